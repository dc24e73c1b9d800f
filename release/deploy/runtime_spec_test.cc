#include "release/deploy/runtime_spec.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace staticship::deploy {
namespace {

constexpr char kConfig[] = R"({
  "architecture": "amd64", "os": "linux",
  "config": {"User": "65532:65532", "Entrypoint": ["/usr/local/bin/gateway"],
             "Cmd": ["--flag"], "Env": ["PATH=/usr/local/bin", "PORT=1", "A=b"],
             "WorkingDir": "/home/nonroot"},
  "rootfs": {"type": "layers", "diff_ids": ["sha256:aa", "sha256:bb"]}})";

SpecOptions Basic(const std::string& hostname, int port) {
  SpecOptions options;
  options.hostname = hostname;
  options.port = port;
  return options;
}

TEST(RuntimeSpecTest, ParsesImageConfig) {
  Result<ImageConfig> image = ParseImageConfig(kConfig);
  ASSERT_TRUE(image.ok());
  EXPECT_EQ(image->entrypoint,
            std::vector<std::string>{"/usr/local/bin/gateway"});
  EXPECT_EQ(image->cmd, std::vector<std::string>{"--flag"});
  EXPECT_EQ(image->diff_ids.size(), 2u);
  EXPECT_EQ(image->working_dir, "/home/nonroot");
  EXPECT_FALSE(ParseImageConfig("[1]").ok());
}

TEST(RuntimeSpecTest, HardensTheProcess) {
  Result<ImageConfig> image = ParseImageConfig(kConfig);
  ASSERT_TRUE(image.ok());
  Result<std::string> text = MakeRuntimeSpec(*image, Basic("gw", 18080));
  ASSERT_TRUE(text.ok()) << text.message();
  auto spec = nlohmann::json::parse(*text);
  const auto& process = spec["process"];
  EXPECT_EQ(process["args"],
            nlohmann::json({"/usr/local/bin/gateway", "--flag"}));
  EXPECT_EQ(process["user"]["uid"], 65532);
  EXPECT_EQ(process["user"]["gid"], 65532);
  EXPECT_EQ(process["noNewPrivileges"], true);
  EXPECT_EQ(process["cwd"], "/home/nonroot");
  for (const char* set :
       {"bounding", "effective", "inheritable", "permitted", "ambient"}) {
    EXPECT_TRUE(process["capabilities"][set].empty()) << set;
  }
  EXPECT_EQ(process["env"],
            nlohmann::json({"PATH=/usr/local/bin", "A=b", "PORT=18080"}));
  EXPECT_EQ(spec["root"]["readonly"], true);
  bool tmp = false;
  for (const auto& m : spec["mounts"]) {
    if (m["destination"] == "/tmp") {
      tmp = m["type"] == "tmpfs";
    }
  }
  EXPECT_TRUE(tmp);
  for (const auto& ns : spec["linux"]["namespaces"]) {
    EXPECT_NE(ns["type"], "network");
    EXPECT_NE(ns["type"], "user");
  }
  EXPECT_EQ(spec["hostname"], "gw");
}

TEST(RuntimeSpecTest, AddsSettings) {
  Result<ImageConfig> image = ParseImageConfig(kConfig);
  ASSERT_TRUE(image.ok());
  SpecOptions options = Basic("sched", 8090);
  options.settings.mounts = {{"/srv/zones.yaml", "/etc/s/zones.yaml", true}};
  options.settings.volumes = {{"data", "/var/lib/s"}};
  options.settings.env = {{"A", "c"}, {"NEW", "1"}};
  options.settings.args = {"--zones", "/etc/s/zones.yaml"};
  options.settings.memory_bytes = 256LL << 20;
  options.settings.millicpus = 1500;
  options.volume_paths = {{"data", "/var/lib/staticship/volumes/data"}};
  Result<std::string> text = MakeRuntimeSpec(*image, options);
  ASSERT_TRUE(text.ok()) << text.message();
  auto spec = nlohmann::json::parse(*text);
  EXPECT_EQ(spec["process"]["args"],
            nlohmann::json({"/usr/local/bin/gateway", "--flag", "--zones",
                            "/etc/s/zones.yaml"}));
  EXPECT_EQ(
      spec["process"]["env"],
      nlohmann::json({"PATH=/usr/local/bin", "A=c", "NEW=1", "PORT=8090"}));
  const auto& mounts = spec["mounts"];
  ASSERT_GE(mounts.size(), 2u);
  const auto& config = mounts[mounts.size() - 2];
  EXPECT_EQ(config["destination"], "/etc/s/zones.yaml");
  EXPECT_EQ(config["type"], "bind");
  EXPECT_EQ(config["source"], "/srv/zones.yaml");
  EXPECT_EQ(config["options"],
            nlohmann::json({"rbind", "ro", "nosuid", "nodev", "noexec"}));
  const auto& data = mounts.back();
  EXPECT_EQ(data["source"], "/var/lib/staticship/volumes/data");
  EXPECT_EQ(data["destination"], "/var/lib/s");
  EXPECT_EQ(data["options"][1], "rw");
  const auto& resources = spec["linux"]["resources"];
  EXPECT_EQ(resources["memory"]["limit"], 256LL << 20);
  EXPECT_EQ(resources["cpu"]["quota"], 150000);
  EXPECT_EQ(resources["cpu"]["period"], 100000);

  // No limits asked, none written: the container inherits the host's.
  Result<std::string> plain = MakeRuntimeSpec(*image, Basic("gw", 18080));
  auto plain_spec = nlohmann::json::parse(*plain);
  EXPECT_FALSE(plain_spec["linux"]["resources"].contains("memory"));
  EXPECT_FALSE(plain_spec["linux"]["resources"].contains("cpu"));

  options.volume_paths.clear();
  EXPECT_FALSE(MakeRuntimeSpec(*image, options).ok());
}

TEST(RuntimeSpecTest, RefusesImageWithoutCommandOrBadPort) {
  ImageConfig empty;
  EXPECT_FALSE(MakeRuntimeSpec(empty, Basic("x", 80)).ok());
  ImageConfig image;
  image.cmd = {"/app"};
  EXPECT_FALSE(MakeRuntimeSpec(image, Basic("x", 0)).ok());
  EXPECT_FALSE(MakeRuntimeSpec(image, Basic("x", 70000)).ok());
  Result<std::string> ok = MakeRuntimeSpec(image, Basic("x", 8080));
  ASSERT_TRUE(ok.ok());
  EXPECT_NE(ok->find("PATH="), std::string::npos);
}

}  // namespace
}  // namespace staticship::deploy
