#include "release/deploy/cgroup_limits.h"

#include <gtest/gtest.h>

#include "common/base/file.h"
#include "common/testing/temp_dir.h"

namespace staticship::deploy {
namespace {

namespace fs = std::filesystem;

void Touch(const fs::path& file) {
  fs::create_directories(file.parent_path());
  ASSERT_TRUE(WriteFileAtomically(file, "max\n").ok());
}

TEST(MissingLimitControllers, CgroupV2ListsControllers) {
  testing::TempDir dir;
  const fs::path root(dir.path());
  ASSERT_TRUE(
      WriteFileAtomically(root / "cgroup.controllers", "cpuset cpu io pids\n")
          .ok());
  EXPECT_TRUE(MissingLimitControllers(root, false, true).empty());
  std::vector<std::string> missing = MissingLimitControllers(root, true, true);
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0],
            "--memory needs the cgroup v2 'memory' controller, "
            "which " +
                (root / "cgroup.controllers").string() + " does not list");
  // Nothing asked, nothing missing.
  EXPECT_TRUE(MissingLimitControllers(root, false, false).empty());
}

TEST(MissingLimitControllers, CgroupV1Hierarchies) {
  testing::TempDir dir;
  const fs::path root(dir.path());
  std::vector<std::string> missing = MissingLimitControllers(root, true, true);
  ASSERT_EQ(missing.size(), 2u);
  EXPECT_TRUE(missing[0].starts_with("--memory needs the cgroup v1"));
  EXPECT_TRUE(missing[1].starts_with("--cpus needs the cgroup v1"));
  Touch(root / "memory" / "memory.limit_in_bytes");
  Touch(root / "cpu,cpuacct" / "cpu.cfs_quota_us");
  EXPECT_TRUE(MissingLimitControllers(root, true, true).empty());
}

}  // namespace
}  // namespace staticship::deploy
