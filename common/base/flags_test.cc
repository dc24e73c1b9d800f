#include "common/base/flags.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

namespace staticship {
namespace {

using std::chrono::milliseconds;
using Args = std::vector<std::string>;

const FlagSpec kSpec = {
    .values = {"tag", "env", "timeout", "level"},
    .switches = {"quiet", "insecure-http", "no-base-files"},
};

TEST(FlagsTest, ValuesTakeBothSpellings) {
  Result<Flags> f = Flags::Parse(
      Args{"--tag=v1", "--env", "A=b", "--level", "--quiet", "--env=C=d=e"},
      kSpec);
  ASSERT_TRUE(f.ok()) << f.message();
  EXPECT_EQ(f->Get("tag"), "v1");
  // The next argument is the value, even when it looks like a flag.
  EXPECT_EQ(f->Get("level"), "--quiet");
  EXPECT_FALSE(f->Has("quiet"));
  EXPECT_EQ(f->GetAll("env"), (Args{"A=b", "C=d=e"}));
  EXPECT_EQ(f->Get("env"), "C=d=e");  // the last one wins
  EXPECT_FALSE(f->Get("timeout").has_value());
  EXPECT_EQ(f->GetOr("timeout", "10s"), "10s");
  EXPECT_EQ(f->GetOr("tag", "latest"), "v1");
  EXPECT_TRUE(f->GetAll("timeout").empty());
}

TEST(FlagsTest, EmptyValuesAreValues) {
  Result<Flags> f = Flags::Parse(Args{"--tag=", "--env", ""}, kSpec);
  ASSERT_TRUE(f.ok()) << f.message();
  EXPECT_TRUE(f->Has("tag"));
  EXPECT_EQ(f->Get("tag"), "");
  EXPECT_EQ(f->Get("env"), "");
  Result<std::string> required = f->Require("tag");
  ASSERT_FALSE(required.ok());
  EXPECT_EQ(required.message(), "--tag is required");
  EXPECT_EQ(f->Require("timeout").message(), "--timeout is required");
}

TEST(FlagsTest, SwitchesAndTheirNegation) {
  Result<Flags> f =
      Flags::Parse(Args{"--quiet", "--insecure-http", "--no-quiet"}, kSpec);
  ASSERT_TRUE(f.ok()) << f.message();
  EXPECT_FALSE(f->GetBool("quiet"));  // the last one wins
  EXPECT_TRUE(f->Has("quiet"));
  EXPECT_TRUE(f->GetBool("insecure-http"));
  EXPECT_FALSE(f->GetBool("no-base-files"));
  EXPECT_TRUE(f->GetBool("no-base-files", true));
}

TEST(FlagsTest, ASwitchNamedNoSomethingIsItself) {
  Result<Flags> f = Flags::Parse(Args{"--no-base-files"}, kSpec);
  ASSERT_TRUE(f.ok()) << f.message();
  EXPECT_TRUE(f->GetBool("no-base-files"));
}

TEST(FlagsTest, MistakesAreErrors) {
  struct Case {
    Args args;
    const char* message;
  };
  for (const Case& c : std::vector<Case>{
           {{"--colour=blue"}, "unknown flag --colour"},
           {{"--colour"}, "unknown flag --colour"},
           {{"--no-tag"}, "unknown flag --no-tag"},
           {{"--quiet=yes"}, "--quiet takes no value"},
           {{"--no-quiet=1"}, "--no-quiet takes no value"},
           {{"--tag"}, "--tag needs a value"},
           {{"image.tar"}, "unexpected argument 'image.tar'"},
           {{"-q"}, "unexpected argument '-q'"},
       }) {
    Result<Flags> f = Flags::Parse(c.args, kSpec);
    ASSERT_FALSE(f.ok()) << c.message;
    EXPECT_EQ(f.message(), c.message);
  }
}

TEST(FlagsTest, PositionalsWhereTheCommandTakesThem) {
  FlagSpec spec = {.values = {"expect"}, .positionals = true};
  Result<Flags> f =
      Flags::Parse(Args{"a.out", "--expect", "static", "b.out"}, spec);
  ASSERT_TRUE(f.ok()) << f.message();
  EXPECT_EQ(f->positionals(), (Args{"a.out", "b.out"}));
  EXPECT_EQ(f->Get("expect"), "static");
}

TEST(FlagsTest, Numbers) {
  Result<Flags> f = Flags::Parse(
      Args{"--level=9", "--timeout", "2.5", "--env=x", "--tag=1e400"}, kSpec);
  ASSERT_TRUE(f.ok()) << f.message();
  EXPECT_EQ(*f->GetInt("level"), 9);
  EXPECT_EQ(*f->GetDouble("timeout"), 2.5);
  EXPECT_FALSE(f->GetInt("quiet")->has_value());
  EXPECT_FALSE(f->GetDouble("quiet")->has_value());
  EXPECT_EQ(f->GetInt("timeout").message(),
            "--timeout is not an integer: '2.5'");
  EXPECT_EQ(f->GetDouble("env").message(), "--env is not a number: 'x'");
  EXPECT_FALSE(f->GetDouble("tag").ok());  // out of range
}

TEST(FlagsTest, ArgsFromArgv) {
  char a[] = "--tag=x";
  char b[] = "y";
  char* argv[] = {a, b};
  EXPECT_EQ(ArgsFromArgv(argv), (Args{"--tag=x", "y"}));
}

TEST(ExpandParamFilesTest, ExpandsLineByLine) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string path = std::string(tmp ? tmp : "/tmp") + "/flags_test." +
                           std::to_string(::getpid()) + ".params";
  {
    std::ofstream out(path);
    out << "--env=A=b c\n--file=0644:/etc/x=path with spaces\r\n\n--quiet\n";
  }
  const Args raw = {"--tag=v1", "@" + path, "--last"};
  Result<Args> expanded = ExpandParamFiles(raw);
  ASSERT_TRUE(expanded.ok()) << expanded.message();
  EXPECT_EQ(*expanded,
            (Args{"--tag=v1", "--env=A=b c",
                  "--file=0644:/etc/x=path with spaces", "--quiet", "--last"}));
  ::unlink(path.c_str());
  Result<Args> missing = ExpandParamFiles(raw);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.message(), "cannot read params file " + path);
  // "@" alone is an argument, not a file.
  EXPECT_EQ(*ExpandParamFiles(Args{"@"}), Args{"@"});
}

TEST(ParseCommandLineTest, ExpandsThenParses) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string path = std::string(tmp ? tmp : "/tmp") + "/cmdline." +
                           std::to_string(::getpid()) + ".params";
  std::ofstream(path) << "--tag\nv2\n--quiet\n";
  std::string params = "@" + path;
  char env[] = "--env=A=1";
  char* argv[] = {env, params.data()};
  Result<Flags> f = ParseCommandLine(argv, kSpec);
  ASSERT_TRUE(f.ok()) << f.message();
  EXPECT_EQ(f->Get("env"), "A=1");
  EXPECT_EQ(f->Get("tag"), "v2");
  EXPECT_TRUE(f->GetBool("quiet"));
  ::unlink(path.c_str());
  EXPECT_EQ(ParseCommandLine(argv, kSpec).message(),
            "cannot read params file " + path);
}

TEST(ParseDurationTest, UnitsAndErrors) {
  EXPECT_EQ(*ParseDuration("250ms"), milliseconds(250));
  EXPECT_EQ(*ParseDuration("10s"), milliseconds(10000));
  EXPECT_EQ(*ParseDuration("10"), milliseconds(10000));
  EXPECT_EQ(*ParseDuration("2m"), milliseconds(120000));
  EXPECT_EQ(ParseDuration("soon").message(), "bad duration 'soon'");
  EXPECT_EQ(ParseDuration("-1s").message(), "bad duration '-1s'");
  EXPECT_EQ(ParseDuration("3h").message(),
            "bad duration unit in '3h' (use ms, s or m)");
}

TEST(ParseCommandTest, HelpBadFlagsAndSuccess) {
  const FlagSpec spec{.values = {"ref"}};
  char help[] = "--help";
  char bad[] = "--nope";
  char ref[] = "--ref=r";
  char* help_argv[] = {help};
  char* bad_argv[] = {bad};
  char* ok_argv[] = {ref};

  testing::internal::CaptureStdout();
  ParsedCommand shown = ParseCommand("cmd", help_argv, spec, "usage: cmd\n");
  EXPECT_EQ(testing::internal::GetCapturedStdout(), "usage: cmd\n");
  EXPECT_FALSE(shown.flags.has_value());
  EXPECT_EQ(shown.exit_code, 0);

  testing::internal::CaptureStderr();
  ParsedCommand refused = ParseCommand("cmd", bad_argv, spec, "usage: cmd\n");
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_TRUE(err.starts_with("cmd: ")) << err;
  EXPECT_TRUE(err.ends_with("\nusage: cmd\n")) << err;
  EXPECT_FALSE(refused.flags.has_value());
  EXPECT_EQ(refused.exit_code, 2);

  ParsedCommand parsed = ParseCommand("cmd", ok_argv, spec, "usage: cmd\n");
  ASSERT_TRUE(parsed.flags.has_value());
  EXPECT_EQ(parsed.flags->Get("ref"), "r");

  testing::internal::CaptureStderr();
  EXPECT_EQ(CommandFailure("cmd")("no such file"), 1);
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "cmd: no such file\n");
}

}  // namespace
}  // namespace staticship
