#include "release/deploy/subprocess.h"

#include <gtest/gtest.h>

namespace staticship::deploy {
namespace {

using std::chrono::milliseconds;

TEST(SubprocessTest, CapturesOutputAndExitCode) {
  Result<ProcessResult> r = RunProcess(
      {"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}, milliseconds(5000));
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_NE(r->output.find("out"), std::string::npos);
  EXPECT_NE(r->output.find("err"), std::string::npos);
}

TEST(SubprocessTest, KillsAChildThatOverstaysItsDeadline) {
  Result<ProcessResult> r = RunProcess({"/bin/sleep", "30"}, milliseconds(100));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.message().find("did not finish"), std::string::npos);
}

TEST(SubprocessTest, MissingProgramIsAnError) {
  Result<ProcessResult> r =
      RunProcess({"/nonexistent/program"}, milliseconds(1000));
  // posix_spawn reports exec failure either directly or as exit 127.
  EXPECT_TRUE(!r.ok() || r->exit_code == 127);
}

}  // namespace
}  // namespace staticship::deploy
