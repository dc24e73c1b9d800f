#include "release/common/report.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/base/file.h"
#include "common/testing/temp_dir.h"

namespace staticship::release {
namespace {

TEST(ReportTest, WritesTheObjectAsJsonThatReadsBack) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/push.json";
  ASSERT_TRUE(
      WriteReport(path, {{"digest", "sha256:ab"}, {"duration_ms", 12}}).ok());
  Result<std::string> text = ReadWholeFile(path);
  ASSERT_TRUE(text.ok()) << text.message();
  auto back = nlohmann::json::parse(*text);
  EXPECT_EQ(back["digest"], "sha256:ab");
  EXPECT_EQ(back["duration_ms"], 12);
  EXPECT_EQ(text->back(), '\n');
}

TEST(ReportTest, RefusesAnythingButAnObject) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/r.json";
  EXPECT_FALSE(WriteReport(path, nlohmann::json::array({1, 2})).ok());
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(ReportTest, AnUnwritablePathIsAnErrorThatNamesIt) {
  Status s = WriteReport("/nonexistent-dir/r.json", {{"a", 1}});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("/nonexistent-dir/r.json"), std::string::npos);
}

}  // namespace
}  // namespace staticship::release
