#include "release/deploy/deploy_options.h"

#include <gtest/gtest.h>

#include "common/base/file.h"
#include "common/testing/temp_dir.h"
#include "release/deploy/deploy_file.h"

namespace staticship::deploy {
namespace {

namespace fs = std::filesystem;

Result<Flags> Parse(std::vector<std::string> args) {
  FlagSpec spec{.values = SettingFlagNames()};
  return Flags::Parse(args, spec);
}

TEST(ParseMount, ReadOnlyAndRelativeSource) {
  Result<BindMount> mount = ParseMount("conf/z.yaml:/etc/z.yaml:ro", "/srv");
  ASSERT_TRUE(mount.ok()) << mount.message();
  EXPECT_EQ(mount->source, "/srv/conf/z.yaml");
  EXPECT_EQ(mount->destination, "/etc/z.yaml");
  EXPECT_TRUE(mount->read_only);
  Result<BindMount> rw = ParseMount("/data:/var/lib/x", "/srv");
  ASSERT_TRUE(rw.ok());
  EXPECT_FALSE(rw->read_only);
  EXPECT_TRUE(ParseMount("/data:/var/lib/x:rw", "/").ok());
}

TEST(ParseMount, RejectsBadShapesAndDestinations) {
  for (const char* bad :
       {"/a", "/a:", ":/b", "/a:/b:rx", "/a:/b:ro:x", "/a:relative",
        "/a:/etc/../x", "/a:/etc//x", "/a:/", "/a:/proc/x", "/a:/tmp",
        "/a:/dev", "/a:/sys/fs", "/a:/etc/"}) {
    Result<BindMount> mount = ParseMount(bad, "/");
    EXPECT_FALSE(mount.ok()) << bad;
    EXPECT_EQ(mount.message().find('\n'), std::string::npos);
  }
  // Inside, not beside, the reserved trees.
  EXPECT_TRUE(ParseMount("/a:/tmpdata", "/").ok());
  EXPECT_TRUE(ParseMount("/a:/devices", "/").ok());
}

TEST(ParseVolume, NameAndDestination) {
  Result<VolumeMount> volume = ParseVolume("sched-data:/var/lib/scheduler");
  ASSERT_TRUE(volume.ok()) << volume.message();
  EXPECT_EQ(volume->name, "sched-data");
  EXPECT_EQ(volume->destination, "/var/lib/scheduler");
  for (const char* bad : {"data", "Data:/x", "../x:/x", "-x:/x", "x:/x:ro",
                          "x:rel", "a/b:/x", ":/x"}) {
    EXPECT_FALSE(ParseVolume(bad).ok()) << bad;
  }
}

TEST(ParseEnv, KeysAndValues) {
  auto env = ParseEnv("LOG_LEVEL=debug=yes");
  ASSERT_TRUE(env.ok());
  EXPECT_EQ(env->first, "LOG_LEVEL");
  EXPECT_EQ(env->second, "debug=yes");
  EXPECT_TRUE(ParseEnv("EMPTY=").ok());
  for (const char* bad : {"NOVALUE", "=x", "1X=y", "A-B=c", "PORT=1"}) {
    EXPECT_FALSE(ParseEnv(bad).ok()) << bad;
  }
  EXPECT_NE(ParseEnv("PORT=1").message().find("--port"), std::string::npos);
}

TEST(ParseMemory, UnitsArePowersOf1024) {
  EXPECT_EQ(*ParseMemory("256M"), 256LL << 20);
  EXPECT_EQ(*ParseMemory("256Mi"), 256LL << 20);
  EXPECT_EQ(*ParseMemory("1g"), 1LL << 30);
  EXPECT_EQ(*ParseMemory("8388608"), 8388608);
  EXPECT_EQ(*ParseMemory("2T"), 2LL << 40);
  for (const char* bad :
       {"", "M", "-1M", "0", "1.5G", "256MB", "5M", "1k", "99999999999T"}) {
    EXPECT_FALSE(ParseMemory(bad).ok()) << bad;
  }
}

TEST(ParseMillicpus, Decimals) {
  EXPECT_EQ(*ParseMillicpus("1.5"), 1500);
  EXPECT_EQ(*ParseMillicpus("2"), 2000);
  EXPECT_EQ(*ParseMillicpus("0.25"), 250);
  EXPECT_EQ(*ParseMillicpus(".5"), 500);
  EXPECT_EQ(*ParseMillicpus("0.01"), 10);
  for (const char* bad :
       {"", ".", "1.", "0", "0.001", "1.2345", "-1", "1,5", "abc", "1e3"}) {
    EXPECT_FALSE(ParseMillicpus(bad).ok()) << bad;
  }
}

TEST(Quantities, KubernetesSpelling) {
  EXPECT_EQ(MemoryQuantity(256LL << 20), "256Mi");
  EXPECT_EQ(MemoryQuantity(2LL << 30), "2Gi");
  EXPECT_EQ(MemoryQuantity((6LL << 20) + 1024), "6145Ki");
  EXPECT_EQ(MemoryQuantity((6LL << 20) + 1), "6291457");
  EXPECT_EQ(CpuQuantity(1500), "1500m");
  EXPECT_EQ(CpuQuantity(2000), "2");
}

TEST(LoadSettings, FlagsOverTheDeployFile) {
  testing::TempDir dir;
  const fs::path base(dir.path());
  ASSERT_TRUE(WriteFileAtomically(base / "zones.yaml", "zones: {}\n").ok());
  ASSERT_TRUE(WriteFileAtomically(base / "extra.yaml", "x\n").ok());
  ASSERT_TRUE(WriteFileAtomically(base / "deploy.yaml",
                                  "mounts: [zones.yaml:/etc/s/zones.yaml:ro]\n"
                                  "volumes: [data:/var/lib/s]\n"
                                  "env: {A: from-file, B: 7}\n"
                                  "args: [--zones, /etc/s/zones.yaml]\n"
                                  "memory: 128M\n"
                                  "cpus: 0.5\n")
                  .ok());
  Result<Flags> flags =
      Parse({"--deploy-file", (base / "deploy.yaml").string(), "--env",
             "A=from-flag", "--arg", "--workers=4", "--memory", "1G", "--mount",
             (base / "extra.yaml").string() + ":/etc/s/extra.yaml:ro"});
  ASSERT_TRUE(flags.ok()) << flags.message();
  Result<ContainerSettings> s = LoadSettings(*flags);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(s->mounts.size(), 2u);
  EXPECT_EQ(s->mounts[0].source, fs::canonical(base / "zones.yaml").string());
  EXPECT_TRUE(s->mounts[0].read_only);
  ASSERT_EQ(s->volumes.size(), 1u);
  EXPECT_EQ(s->volumes[0].name, "data");
  ASSERT_EQ(s->env.size(), 3u);
  EXPECT_EQ(s->env[0], (std::pair<std::string, std::string>{"A", "from-file"}));
  EXPECT_EQ(s->env[1], (std::pair<std::string, std::string>{"B", "7"}));
  EXPECT_EQ(s->env[2], (std::pair<std::string, std::string>{"A", "from-flag"}));
  EXPECT_EQ(s->args, (std::vector<std::string>{"--zones", "/etc/s/zones.yaml",
                                               "--workers=4"}));
  EXPECT_EQ(*s->memory_bytes, 1LL << 30);
  EXPECT_EQ(*s->millicpus, 500);
}

TEST(LoadSettings, MissingSourceAndDuplicateDestination) {
  testing::TempDir dir;
  Result<Flags> missing =
      Parse({"--mount", dir.path() + "/nope.yaml:/etc/x.yaml:ro"});
  Result<ContainerSettings> s = LoadSettings(*missing);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(),
            "mount source " + dir.path() + "/nope.yaml does not exist");
  Result<Flags> twice =
      Parse({"--mount", dir.path() + ":/data", "--volume", "v:/data"});
  s = LoadSettings(*twice);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("both mount at /data"), std::string::npos);
}

TEST(DeployFile, ErrorsNameTheFileAndField) {
  struct Case {
    const char* text;
    const char* expected;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"mounts: x.yaml:/etc/x\n", "f.yaml: mounts: expected a list"},
           {"mounts: [x.yaml]\n", "f.yaml: mounts[0]: mount 'x.yaml' is not"},
           {"volumes: [data:/proc/x]\n",
            "f.yaml: volumes[0]: volume 'data:/proc/x': destination"},
           {"env: [A=1]\n", "f.yaml: env: expected a mapping"},
           {"env: {PORT: 1}\n", "f.yaml: env.PORT: env PORT is set"},
           {"memory: lots\n", "f.yaml: memory: memory 'lots' is not"},
           {"cpus: [1]\n", "f.yaml: cpus: expected a plain value"},
           {"cpu: 1\n", "f.yaml: unknown field 'cpu'"},
           {"args: [a, [b]]\n", "f.yaml: args[1]: expected a plain value"},
           {"- a\n", "f.yaml: expected a mapping of fields"},
           {"mounts: [a\n", "f.yaml: yaml-cpp: error at line"},
       }) {
    Result<ContainerSettings> s = ParseDeployFile(c.text, "f.yaml", "/srv");
    ASSERT_FALSE(s.ok()) << c.text;
    EXPECT_TRUE(s.message().starts_with(c.expected))
        << c.text << " gave: " << s.message();
    EXPECT_EQ(s.message().find('\n'), std::string::npos) << s.message();
  }
  Result<ContainerSettings> empty = ParseDeployFile("", "f.yaml", "/srv");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->mounts.empty());
}

TEST(DeployFile, MissingFileIsOneLine) {
  Result<ContainerSettings> s = LoadDeployFile("/nonexistent/deploy.yaml");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("/nonexistent/deploy.yaml"), std::string::npos);
}

}  // namespace
}  // namespace staticship::deploy
