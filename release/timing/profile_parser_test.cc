#include "release/timing/profile_parser.h"

#include <gtest/gtest.h>

namespace staticship::timing {
namespace {

constexpr char kCold[] = "release/timing/testdata/bazel423_cold.profile.json";
constexpr char kIncremental[] =
    "release/timing/testdata/bazel423_incremental.profile.json";
constexpr char kHelloTargets[] = "release/timing/testdata/hello.targets";
constexpr char kEchoTargets[] = "release/timing/testdata/echo.targets";

// Expected figures were computed independently from the checked-in files:
//   python3 -c 'import json
//   ev = json.load(open(PROFILE))["traceEvents"]
//   t = {l.strip() for l in open(TARGETS) if l.strip()}
//   a = [e for e in ev if e.get("cat") == "action processing"
//        and e.get("args", {}).get("target") in t]
//   c = [e for e in a if e["name"].startswith("Compiling ")]
//   l = [e for e in a if e["name"].startswith("Linking ")]
//   print(sum(e["dur"] for e in c), len(c), sum(e["dur"] for e in l), len(l),
//         max(e["ts"] + e["dur"] for e in c + l) - min(e["ts"] for e in c +
//         l))'

std::set<std::string> Targets(const char* path) {
  auto targets = ReadTargetList(path);
  EXPECT_TRUE(targets.ok()) << targets.message();
  return targets.ok() ? *targets : std::set<std::string>{};
}

TEST(ProfileParserTest, ColdBuildOfHelloCountsItsOwnAndSharedLibraries) {
  auto time = SummariseProfileFile(kCold, Targets(kHelloTargets));
  ASSERT_TRUE(time.ok()) << time.message();
  EXPECT_EQ(time->compile_us, 1244905);
  EXPECT_EQ(time->compile_actions, 4);
  EXPECT_EQ(time->link_us, 510743);
  EXPECT_EQ(time->link_actions, 7);
  EXPECT_EQ(time->wall_us, 996833);
}

TEST(ProfileParserTest,
     ColdBuildOfEchoIncludesCommonLibrariesOutsideItsPackage) {
  auto time = SummariseProfileFile(kCold, Targets(kEchoTargets));
  ASSERT_TRUE(time.ok()) << time.message();
  EXPECT_EQ(time->compile_us, 1091890);
  EXPECT_EQ(time->compile_actions, 3);  // main.cc, health.cc, strings.cc
  EXPECT_EQ(time->link_us, 384093);
  EXPECT_EQ(time->link_actions, 5);
  EXPECT_EQ(time->wall_us, 1142616);
}

TEST(ProfileParserTest, IncrementalBuildCountsOnlyTheRebuiltActions) {
  auto hello = SummariseProfileFile(kIncremental, Targets(kHelloTargets));
  ASSERT_TRUE(hello.ok()) << hello.message();
  EXPECT_EQ(hello->compile_us, 155595);
  EXPECT_EQ(hello->compile_actions, 1);
  EXPECT_EQ(hello->link_us, 107063);
  EXPECT_EQ(hello->link_actions, 3);
  EXPECT_EQ(hello->wall_us, 225483);

  auto echo = SummariseProfileFile(kIncremental, Targets(kEchoTargets));
  ASSERT_TRUE(echo.ok()) << echo.message();
  EXPECT_EQ(echo->compile_actions + echo->link_actions, 0);
  EXPECT_EQ(echo->wall_us, 0);
}

TEST(ProfileParserTest, IgnoresCriticalPathCopiesAndOtherCategories) {
  constexpr char kProfile[] = R"({"traceEvents":[
    {"cat":"action processing","name":"Compiling a.cc","ph":"X","ts":10,
     "dur":5,"args":{"target":"//a:a"}},
    {"cat":"critical path component","name":"action 'Compiling a.cc'",
     "ph":"X","ts":10,"dur":5,"args":{"target":"//a:a"}},
    {"cat":"general information","name":"Compiling a.cc","ph":"X","ts":10,
     "dur":99,"args":{"target":"//a:a"}},
    {"cat":"action processing","name":"Writing file a.params","ph":"X",
     "ts":1,"dur":1000,"args":{"target":"//a:a"}},
    {"cat":"action processing","name":"Linking a","ph":"X","ts":20,"dur":7,
     "args":{"target":"//a:a"}}]})";
  auto time = SummariseProfile(kProfile, {"//a:a"});
  ASSERT_TRUE(time.ok()) << time.message();
  EXPECT_EQ(time->compile_us, 5);
  EXPECT_EQ(time->link_us, 7);
  EXPECT_EQ(time->wall_us, 17);
}

TEST(ProfileParserTest, TimesThePackingOfTheNamedImageOnly) {
  constexpr char kProfile[] = R"({"traceEvents":[
    {"cat":"action processing","name":"Compiling a.cc","ph":"X","ts":10,
     "dur":5,"args":{"target":"//a:a"}},
    {"cat":"action processing","name":"Packing musl image //a:a_image","ph":"X",
     "ts":40,"dur":30,"args":{"target":"//a:a_image"}},
    {"cat":"action processing","name":"Packing musl image //b:b_image","ph":"X",
     "ts":40,"dur":300,"args":{"target":"//b:b_image"}}]})";
  auto time = SummariseProfile(kProfile, {"//a:a"}, "//a:a_image");
  ASSERT_TRUE(time.ok()) << time.message();
  EXPECT_EQ(time->image_us, 30);
  EXPECT_EQ(time->image_actions, 1);
  // Packing is not compile+link: the wall time ends with the compile.
  EXPECT_EQ(time->wall_us, 5);

  auto without = SummariseProfile(kProfile, {"//a:a"});
  ASSERT_TRUE(without.ok()) << without.message();
  EXPECT_EQ(without->image_actions, 0);
}

TEST(ProfileParserTest, ProfileWithoutTargetLabelsIsAnError) {
  constexpr char kProfile[] = R"({"traceEvents":[
    {"cat":"action processing","name":"Compiling a.cc","ph":"X","ts":1,
     "dur":2}]})";
  auto time = SummariseProfile(kProfile, {"//a:a"});
  ASSERT_FALSE(time.ok());
  EXPECT_NE(time.message().find("--experimental_profile_include_target_label"),
            std::string::npos);
}

TEST(ProfileParserTest, RejectsInvalidJson) {
  EXPECT_FALSE(SummariseProfile("{\"traceEvents\":[", {"//a:a"}).ok());
  EXPECT_FALSE(SummariseProfile("{}", {"//a:a"}).ok());
}

TEST(TargetListTest, NormalisesShorthandLabelsAndSkipsBlankLines) {
  auto targets = ParseTargetList("//a/b\n\n  //c:d  \n# note\n@x//:y\n");
  ASSERT_TRUE(targets.ok()) << targets.message();
  EXPECT_EQ(*targets, (std::set<std::string>{"//a/b:b", "//c:d", "@x//:y"}));
}

TEST(TargetListTest, RejectsTextThatIsNotALabel) {
  EXPECT_FALSE(ParseTargetList("ERROR: no such target\n").ok());
  EXPECT_FALSE(ParseTargetList("\n").ok());
}

}  // namespace
}  // namespace staticship::timing
