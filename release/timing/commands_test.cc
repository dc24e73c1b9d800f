// shiptime end to end through RunShiptime, in a scratch directory.
#include "release/timing/commands.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <tuple>

#include "common/base/file.h"
#include "release/timing/xml_check_for_test.h"

namespace staticship::timing {
namespace {

namespace fs = std::filesystem;

// The contents of an output the command must have written; a missing one
// fails the test.
std::string Slurp(const fs::path& path) {
  Result<std::string> text = ReadWholeFile(path);
  if (!text.ok()) {
    ADD_FAILURE() << text.message();
    return "";
  }
  return *text;
}

int CountLines(const fs::path& path) {
  std::ifstream in(path);
  int lines = 0;
  for (std::string line; std::getline(in, line);) ++lines;
  return lines;
}

class ShiptimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* bazel_tmp = std::getenv("TEST_TMPDIR");
    dir_ =
        fs::path(bazel_tmp ? bazel_tmp : fs::temp_directory_path().string()) /
        ("shiptime_" +
         std::string(
             ::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  int Run(std::vector<std::string> args, int day = 1) {
    out_.str("");
    err_.str("");
    // Each day is one run, so each gets its own run id.
    const Environment env{std::chrono::system_clock::time_point(
                              std::chrono::hours(24 * (20000 + day))),
                          2};
    return RunShiptime(args, env, out_, err_);
  }

  int Record(const std::string& variant, const std::string& stage, double ms) {
    return Run({"record", "--service", "hello", "--variant", variant, "--stage",
                stage, "--ms", std::to_string(ms), "--out", Records()});
  }

  int Report(int day, bool fail_on_regression) {
    std::vector<std::string> args = {
        "report",    "--records",    Records(),      "--history", History(),
        "--out-dir", Out().string(), "--git-commit", "feedbeef"};
    if (fail_on_regression) args.push_back("--fail-on-regression");
    return Run(args, day);
  }

  std::string Records() const { return (dir_ / "records.jsonl").string(); }
  std::string History() const { return (dir_ / "history.jsonl").string(); }
  fs::path Out() const { return dir_ / "out"; }

  fs::path dir_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(ShiptimeTest, ProfileRecordAndReportWriteEveryOutput) {
  ASSERT_EQ(Run({"profile", "--profile",
                 "release/timing/testdata/bazel423_cold.profile.json",
                 "--service", "hello", "--targets",
                 "release/timing/testdata/hello.targets", "--variant", "static",
                 "--kind", "cold", "--runtimes", "warm", "--out", Records()}),
            kExitOk)
      << err_.str();
  ASSERT_EQ(Run({"record", "--service", "hello", "--variant", "static",
                 "--stage", "image_size", "--bytes", "2048", "--files", "7",
                 "--shared-libs", "0", "--out", Records()}),
            kExitOk)
      << err_.str();
  ASSERT_EQ(Record("static", "push", 12.5), kExitOk) << err_.str();
  ASSERT_EQ(Report(1, true), kExitOk) << err_.str();

  const auto timings = nlohmann::json::parse(Slurp(Out() / "timings.json"));
  EXPECT_EQ(timings["schema"], "staticship.timings/v1");
  EXPECT_EQ(timings["git_commit"], "feedbeef");
  EXPECT_EQ(timings["date"], "2024-10-05T00:00:00Z");
  EXPECT_EQ(timings["run_id"], "20241005T000000Z-feedbeef");
  EXPECT_EQ(timings["host_cpus"], 2);
  ASSERT_EQ(timings["records"].size(), 5u);
  EXPECT_EQ(timings["records"][0]["stage"], "compile");
  EXPECT_DOUBLE_EQ(timings["records"][0]["duration_ms"].get<double>(),
                   1244.905);
  EXPECT_EQ(timings["records"][0]["actions"], 4);
  EXPECT_EQ(timings["records"][0]["runtimes"], "warm");
  EXPECT_EQ(timings["records"][3]["bytes"], 2048);

  EXPECT_EQ(CountLines(History()), 1);
  EXPECT_EQ(testing::XmlProblem(Slurp(Out() / "junit.xml")), "");
  EXPECT_EQ(testing::XmlProblem(Slurp(Out() / "report.svg")), "");
  EXPECT_NE(Slurp(Out() / "report.md").find("## Trend against earlier runs"),
            std::string::npos);
  EXPECT_NE(out_.str().find("| compile+link (cold) | n/a | 1.76 s | n/a |"),
            std::string::npos)
      << out_.str();
}

TEST_F(ShiptimeTest, RegressionFailsOnlyWithTheFlagAndSaysSoInOneLine) {
  ASSERT_EQ(Record("static", "deploy", 100), kExitOk);
  for (int day = 1; day <= 5; ++day) {
    ASSERT_EQ(Report(day, true), kExitOk) << err_.str();
  }
  EXPECT_EQ(CountLines(History()), 5);
  fs::remove(Records());
  ASSERT_EQ(Record("static", "deploy", 130), kExitOk);

  EXPECT_EQ(Report(6, false), kExitOk);
  EXPECT_EQ(Slurp(Out() / "junit.xml").find("<failure"), std::string::npos);
  EXPECT_EQ(Report(7, true), kExitRegression);
  const std::string message = err_.str();
  EXPECT_EQ(std::count(message.begin(), message.end(), '\n'), 1) << message;
  EXPECT_NE(message.find("hello static deploy +30%"), std::string::npos)
      << message;
  EXPECT_NE(Slurp(Out() / "junit.xml").find("<failure"), std::string::npos);
  EXPECT_NE(Slurp(Out() / "report.md").find("**REGRESSION**"),
            std::string::npos);
}

TEST_F(ShiptimeTest, ReportingARunTwiceDoesNotCountItAsItsOwnBaseline) {
  ASSERT_EQ(Record("dynamic", "image", 40), kExitOk);
  ASSERT_EQ(Report(1, true), kExitOk);
  ASSERT_EQ(Report(1, true), kExitOk);
  EXPECT_EQ(CountLines(History()), 1);
  EXPECT_NE(Slurp(Out() / "report.md").find("no verdict (0 of 3"),
            std::string::npos);
}

TEST_F(ShiptimeTest, DynamicClangIsRecordedAndReported) {
  for (const auto& [variant, compile, link] :
       {std::tuple{"static", 1500.0, 500.0},
        std::tuple{"dynamic", 3000.0, 1000.0},
        std::tuple{"dynamic-clang", 2000.0, 1000.0}}) {
    ASSERT_EQ(Record(variant, "compile", compile), kExitOk) << err_.str();
    ASSERT_EQ(Record(variant, "link", link), kExitOk) << err_.str();
  }
  ASSERT_EQ(Report(1, true), kExitOk) << err_.str();
  const auto timings = nlohmann::json::parse(Slurp(Out() / "timings.json"));
  EXPECT_EQ(timings["records"][4]["variant"], "dynamic-clang");
  const std::string md = Slurp(Out() / "report.md");
  // Headline 4.00 s → 2.00 s; compiler 3.00 / 4.00, static linking 2.00 / 3.00.
  EXPECT_NE(md.find("| compile+link (cold) | 4.00 s | 2.00 s | 50.0% |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| compile+link (cold) | 4.00 s | 3.00 s | 2.00 s | "
                    "0.75× | 0.67× |"),
            std::string::npos)
      << md;
}

// What ci/pipeline records for each shipped image, through the command
// line: the signing row of the report comes from `record --stage sign` and
// `--stage verify`.
TEST_F(ShiptimeTest, PublishingStagesAreRecordedAndReported) {
  for (const auto& [stage, ms] :
       {std::pair{"push", 150.0}, std::pair{"sign", 12.0},
        std::pair{"verify", 9.0}, std::pair{"deploy", 190.0}}) {
    ASSERT_EQ(Record("static", stage, ms), kExitOk) << stage << err_.str();
  }
  ASSERT_EQ(Report(1, false), kExitOk) << err_.str();
  const std::string md = Slurp(Out() / "report.md");
  EXPECT_NE(md.find("| signing (sign + attest, verify against policy) | n/a | "
                    "21 ms |"),
            std::string::npos)
      << md;
}

TEST_F(ShiptimeTest, UnknownVariantIsAUsageError) {
  EXPECT_EQ(Record("dynamic-gcc", "image", 40), kExitUsage);
  EXPECT_NE(err_.str().find("static, dynamic or dynamic-clang"),
            std::string::npos)
      << err_.str();
  EXPECT_FALSE(fs::exists(Records()));
}

TEST_F(ShiptimeTest, UsageErrorsExitTwo) {
  EXPECT_EQ(Run({}), kExitUsage);
  EXPECT_EQ(Run({"bogus"}), kExitUsage);
  EXPECT_EQ(Run({"record", "--servce", "x"}), kExitUsage);
  EXPECT_EQ(Run({"record", "--service", "x", "--variant", "static", "--stage",
                 "image", "--ms", "fast", "--out", Records()}),
            kExitUsage);
  EXPECT_EQ(Run({"record", "--service", "x", "--variant", "static", "--stage",
                 "image_size", "--ms", "3", "--out", Records()}),
            kExitUsage);  // a size needs --bytes
  EXPECT_FALSE(fs::exists(Records()));
}

TEST_F(ShiptimeTest, ColdProfileWithoutTheServicesActionsIsAnError) {
  std::ofstream(dir_ / "other.targets") << "//not/in:profile\n";
  EXPECT_EQ(
      Run({"profile", "--profile",
           "release/timing/testdata/bazel423_cold.profile.json", "--service",
           "x", "--targets", (dir_ / "other.targets").string(), "--variant",
           "static", "--kind", "cold", "--out", Records()}),
      kExitFailure);
  EXPECT_NE(err_.str().find("no Compiling/Linking action"), std::string::npos);
  EXPECT_FALSE(fs::exists(Records()));
}

TEST_F(ShiptimeTest, AnImageThatWasNotPackedIsAnError) {
  EXPECT_EQ(
      Run({"profile", "--profile",
           "release/timing/testdata/bazel423_cold.profile.json", "--service",
           "hello", "--targets", "release/timing/testdata/hello.targets",
           "--variant", "static", "--kind", "cold", "--image",
           "//hello:hello_image", "--out", Records()}),
      kExitFailure);
  EXPECT_NE(err_.str().find("no Packing action of //hello:hello_image"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(Records()));
}

}  // namespace
}  // namespace staticship::timing
