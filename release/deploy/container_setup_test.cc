#include "release/deploy/container_setup.h"

#include <gtest/gtest.h>

#include <thread>

#include "common/base/file.h"
#include "common/testing/temp_dir.h"

namespace staticship::deploy {
namespace {

namespace fs = std::filesystem;

Result<Flags> Parse(std::vector<std::string> args) {
  return Flags::Parse(
      args, {.values = SetupValueFlags(), .switches = SetupSwitches()});
}

// A cgroup v2 root whose cgroup.controllers lists `controllers`.
fs::path CgroupRoot(const testing::TempDir& dir,
                    const std::string& controllers) {
  const fs::path root = fs::path(dir.path()) / "cgroup";
  fs::create_directories(root);
  EXPECT_TRUE(
      WriteFileAtomically(root / "cgroup.controllers", controllers).ok());
  return root;
}

TEST(PrepareContainer, RefusesALimitItCannotEnforce) {
  testing::TempDir dir;
  const fs::path cgroups = CgroupRoot(dir, "cpu io pids\n");
  Result<Flags> flags = Parse({"--memory", "64M", "--cpus", "0.5"});
  Result<PreparedContainer> prepared = PrepareContainer(*flags, cgroups);
  ASSERT_FALSE(prepared.ok());
  EXPECT_EQ(prepared.code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(prepared.message().find("'memory' controller"), std::string::npos);
  EXPECT_NE(prepared.message().find("--allow-missing-limits"),
            std::string::npos);
  EXPECT_EQ(prepared.message().find('\n'), std::string::npos);
}

TEST(PrepareContainer, AllowMissingLimitsWarnsAndDropsOnlyThatLimit) {
  testing::TempDir dir;
  const fs::path cgroups = CgroupRoot(dir, "cpu io pids\n");
  Result<Flags> flags =
      Parse({"--memory", "64M", "--cpus", "0.5", "--allow-missing-limits"});
  Result<PreparedContainer> prepared = PrepareContainer(*flags, cgroups);
  ASSERT_TRUE(prepared.ok()) << prepared.message();
  ASSERT_EQ(prepared->warnings.size(), 1u);
  EXPECT_NE(prepared->warnings[0].find("deploying without that limit"),
            std::string::npos);
  EXPECT_FALSE(prepared->settings.memory_bytes.has_value());
  EXPECT_EQ(prepared->settings.millicpus, 500);
}

TEST(PrepareContainer, MoreCpusThanTheMachineIsRefused) {
  testing::TempDir dir;
  const fs::path cgroups = CgroupRoot(dir, "cpu memory\n");
  const unsigned cpus = std::thread::hardware_concurrency();
  ASSERT_GT(cpus, 0u);
  Result<Flags> flags = Parse({"--cpus", std::to_string(cpus + 1)});
  Result<PreparedContainer> prepared = PrepareContainer(*flags, cgroups);
  ASSERT_FALSE(prepared.ok());
  EXPECT_NE(prepared.message().find("CPUs of this machine"), std::string::npos);
}

TEST(PrepareContainer, VolumesAreMadeUnderTheVolumeRoot) {
  testing::TempDir dir;
  const fs::path cgroups = CgroupRoot(dir, "cpu memory\n");
  const std::string root = dir.path() + "/volumes";
  Result<Flags> flags = Parse({"--volume-root", root, "--volume", "data:/data",
                               "--volume", "data:/again", "--memory", "64M"});
  Result<PreparedContainer> prepared = PrepareContainer(*flags, cgroups);
  ASSERT_TRUE(prepared.ok()) << prepared.message();
  ASSERT_EQ(prepared->volume_paths.size(), 1u);
  EXPECT_EQ(prepared->volume_paths.at("data"), root + "/data");
  EXPECT_TRUE(fs::is_directory(root + "/data"));
  EXPECT_EQ(prepared->settings.memory_bytes, 64LL << 20);
}

TEST(PrepareContainer, BadSettingsTouchNoVolume) {
  testing::TempDir dir;
  const fs::path cgroups = CgroupRoot(dir, "cpu memory\n");
  const std::string root = dir.path() + "/volumes";
  Result<Flags> flags = Parse({"--volume-root", root, "--volume", "data:/data",
                               "--mount", dir.path() + "/absent:/etc/a:ro"});
  Result<PreparedContainer> prepared = PrepareContainer(*flags, cgroups);
  ASSERT_FALSE(prepared.ok());
  EXPECT_FALSE(fs::exists(root));
}

}  // namespace
}  // namespace staticship::deploy
