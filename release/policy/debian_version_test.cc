#include "release/policy/debian_version.h"

#include <gtest/gtest.h>

namespace staticship::policy {
namespace {

int Compare(const char* a, const char* b) {
  auto va = ParseDebianVersion(a);
  auto vb = ParseDebianVersion(b);
  EXPECT_TRUE(va.ok()) << va.message();
  EXPECT_TRUE(vb.ok()) << vb.message();
  if (!va.ok() || !vb.ok()) return 99;
  const int c = CompareDebianVersions(*va, *vb);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

TEST(DebianVersionTest, Parts) {
  auto v = ParseDebianVersion("1:1.2.11.dfsg-2+deb11u2");
  ASSERT_TRUE(v.ok()) << v.message();
  EXPECT_EQ(v->epoch, 1u);
  EXPECT_EQ(v->upstream, "1.2.11.dfsg");
  EXPECT_EQ(v->revision, "2+deb11u2");
  // The revision is after the last hyphen.
  v = ParseDebianVersion("1.0-beta-3");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->upstream, "1.0-beta");
  EXPECT_EQ(v->revision, "3");
  v = ParseDebianVersion("2.28.3");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->epoch, 0u);
  EXPECT_EQ(v->revision, "");
}

// deb-version(5) and Debian Policy 5.6.12: "~~" < "~~a" < "~" < "" < "a".
TEST(DebianVersionTest, TildeSortsBeforeEverything) {
  EXPECT_EQ(Compare("1.0~~", "1.0~~a"), -1);
  EXPECT_EQ(Compare("1.0~~a", "1.0~"), -1);
  EXPECT_EQ(Compare("1.0~", "1.0"), -1);
  EXPECT_EQ(Compare("1.0", "1.0a"), -1);
  EXPECT_EQ(Compare("1.0~rc1-1", "1.0-1"), -1);
  EXPECT_EQ(Compare("2.28.3-1", "2.28.3-1~bpo12+1"), 1);
}

TEST(DebianVersionTest, Epochs) {
  EXPECT_EQ(Compare("1:0.4", "10.3"), 1);
  EXPECT_EQ(Compare("2:1.0", "1:9.9"), 1);
  EXPECT_EQ(Compare("0:1.0", "1.0"), 0);
  // What the zlib purl in third_party/deps.lock says (no epoch) against
  // Debian's real 1:1.2.11.dfsg-4.1: the epoch decides, whatever follows.
  EXPECT_EQ(Compare("1.2.13.dfsg-1", "1:1.2.11.dfsg-4.1"), -1);
  EXPECT_EQ(Compare("1:1.2.13.dfsg-1", "1:1.2.11.dfsg-4.1"), 1);
}

TEST(DebianVersionTest, DigitsCompareAsNumbersLettersBeforeOthers) {
  EXPECT_EQ(Compare("1.10", "1.9"), 1);
  EXPECT_EQ(Compare("1.002", "1.2"), 0);
  EXPECT_EQ(Compare("1.0-1", "1.0-01"), 0);
  EXPECT_EQ(Compare("1.0", "1.0-0"), 0);  // no revision reads as "0"
  EXPECT_EQ(Compare("1.0-1", "1.0-1.1"), -1);
  EXPECT_EQ(Compare("1.0a", "1.0+"), -1);       // letters before non-letters
  EXPECT_EQ(Compare("1.0+dfsg", "1.0.1"), -1);  // '+' before '.'
  EXPECT_EQ(Compare("1.2.11.dfsg-2+deb11u2", "1.2.11.dfsg-2"), 1);
  EXPECT_EQ(Compare("1.2.11.dfsg-4.1", "1.2.11.dfsg-2+deb11u2"), 1);
  EXPECT_EQ(Compare("0.7.0+dfsg-8", "0.7.0-8"), 1);
  EXPECT_EQ(Compare("1.0", "1.0"), 0);
}

TEST(DebianVersionTest, MalformedVersionsAreErrors) {
  for (const char* bad : {"", "a1.0", ":1.0", "x:1.0", "1:", "1.0-", "1.0 1",
                          "1.0-1_2", "1.0$", "99999999999:1"}) {
    EXPECT_FALSE(ParseDebianVersion(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace staticship::policy
