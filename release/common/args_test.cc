#include "release/common/args.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

namespace staticship::release {
namespace {

TEST(ArgsTest, ExpandsParamsFilesLineByLine) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string path = std::string(tmp ? tmp : "/tmp") + "/args_test." +
                           std::to_string(::getpid()) + ".params";
  {
    std::ofstream out(path);
    out << "--env=A=b c\n--file=0644:/etc/x=path with spaces\r\n\n--quiet\n";
  }
  const std::vector<std::string> raw = {"--tag=v1", "@" + path, "--last"};
  auto expanded = ExpandParamFiles(raw);
  ASSERT_TRUE(expanded.ok()) << expanded.message();
  EXPECT_EQ(*expanded,
            (std::vector<std::string>{"--tag=v1", "--env=A=b c",
                                      "--file=0644:/etc/x=path with spaces",
                                      "--quiet", "--last"}));
  ::unlink(path.c_str());
  EXPECT_FALSE(ExpandParamFiles(raw).ok());
}

TEST(ArgsTest, ParsesRepeatedAndBareFlags) {
  const std::vector<std::string> args = {"--env=A=1", "--env=B=2", "--quiet",
                                         "--tag=x", "--tag=y"};
  auto flags = ParsedFlags::Parse(args, {"env", "quiet", "tag", "unused"});
  ASSERT_TRUE(flags.ok()) << flags.message();
  EXPECT_EQ(flags->GetAll("env"), (std::vector<std::string>{"A=1", "B=2"}));
  EXPECT_TRUE(flags->Has("quiet"));
  EXPECT_EQ(flags->Get("quiet"), "");
  EXPECT_EQ(flags->Get("tag"), "y");  // last one wins
  EXPECT_FALSE(flags->Has("unused"));
  EXPECT_EQ(flags->Get("unused", "fallback"), "fallback");
}

TEST(ArgsTest, RejectsUnknownFlagsAndPositionals) {
  const std::vector<std::string> unknown = {"--colour=blue"};
  auto a = ParsedFlags::Parse(unknown, {"color"});
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.message(), "unknown flag --colour");
  const std::vector<std::string> positional = {"image.tar"};
  EXPECT_FALSE(ParsedFlags::Parse(positional, {"color"}).ok());
}

}  // namespace
}  // namespace staticship::release
