#include "common/testing/temp_dir.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace staticship::testing {
namespace {

namespace fs = std::filesystem;

TEST(TempDirTest, FreshAndRemovedWithItsFiles) {
  std::string path;
  {
    TempDir a;
    TempDir b;
    path = a.path();
    EXPECT_NE(a.path(), b.path());
    EXPECT_TRUE(fs::is_directory(path));
    EXPECT_TRUE(fs::is_empty(path));
    fs::create_directories(path + "/sub/dir");
    std::ofstream(path + "/sub/file") << "x";
  }
  EXPECT_FALSE(fs::exists(path));
}

TEST(TempDirTest, LivesUnderTheTestsTemporaryDirectory) {
  const char* base = std::getenv("TEST_TMPDIR");
  if (base == nullptr) GTEST_SKIP() << "not run by bazel test";
  TempDir dir;
  EXPECT_EQ(dir.path().rfind(base, 0), 0u) << dir.path();
}

}  // namespace
}  // namespace staticship::testing
