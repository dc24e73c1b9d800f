#include "common/testing/child_process.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "common/testing/temp_dir.h"

namespace staticship::testing {
namespace {

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ChildProcessTest, ExitStatusAndLog) {
  TempDir dir;
  const std::string log = dir.path() + "/child.log";
  ChildProcess child({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}, log);
  EXPECT_EQ(child.Wait(), 3);
  EXPECT_EQ(Read(log), "out\nerr\n");
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
  {
    ChildProcess child(
        {"/bin/sh", "-c", "echo $$ > " + pid_file + "; exec sleep 60"},
        dir.path() + "/log");
    for (int i = 0; i < 500 && Read(pid_file).empty(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  const pid_t pid = std::stoi(Read(pid_file));
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
