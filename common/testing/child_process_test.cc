#include "common/testing/child_process.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <string>
#include <thread>

#include "common/base/file.h"
#include "common/testing/temp_dir.h"

namespace staticship::testing {
namespace {

TEST(ChildProcessTest, ExitStatusAndLog) {
  TempDir dir;
  const std::string log = dir.path() + "/child.log";
  ChildProcess child({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}, log);
  EXPECT_EQ(child.Wait(), 3);
  Result<std::string> text = ReadWholeFile(log);
  ASSERT_TRUE(text.ok()) << text.message();
  EXPECT_EQ(*text, "out\nerr\n");
}

TEST(ChildProcessTest, SignalAndRunning) {
  TempDir dir;
  ChildProcess child({"/bin/sleep", "60"}, dir.path() + "/sleep.log");
  EXPECT_TRUE(child.Running());
  child.Signal(SIGTERM);
  EXPECT_EQ(child.Wait(), -SIGTERM);
  EXPECT_FALSE(child.Running());
}

TEST(ChildProcessTest, DroppingKillsTheChild) {
  TempDir dir;
  const std::string pid_file = dir.path() + "/pid";
  std::string pid_text;
  {
    ChildProcess child(
        {"/bin/sh", "-c", "echo $$ > " + pid_file + "; exec sleep 60"},
        dir.path() + "/log");
    // The shell writes the file when it gets to it: poll until it has.
    for (int i = 0; i < 500 && pid_text.empty(); ++i) {
      if (Result<std::string> text = ReadWholeFile(pid_file); text.ok()) {
        pid_text = *text;
      }
      if (pid_text.empty()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
  }
  ASSERT_FALSE(pid_text.empty()) << "the child never wrote " << pid_file;
  const pid_t pid = std::stoi(pid_text);
  // Reaped, so not even a zombie is left.
  EXPECT_NE(::kill(pid, 0), 0);
}

TEST(ChildProcessTest, MissingProgramExits127) {
  TempDir dir;
  ChildProcess child({"/nonexistent/program"}, dir.path() + "/log");
  EXPECT_EQ(child.Wait(), 127);
}

}  // namespace
}  // namespace staticship::testing
