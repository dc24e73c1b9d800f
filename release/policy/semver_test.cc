#include "release/policy/semver.h"

#include <gtest/gtest.h>

namespace staticship::policy {
namespace {

int Compare(const char* a, const char* b) {
  auto va = ParseSemVer(a);
  auto vb = ParseSemVer(b);
  EXPECT_TRUE(va.ok()) << va.message();
  EXPECT_TRUE(vb.ok()) << vb.message();
  if (!va.ok() || !vb.ok()) return 99;
  const int c = CompareSemVer(*va, *vb);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

// semver.org section 11's own chain.
TEST(SemVerTest, SpecPrecedenceExample) {
  const char* chain[] = {"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
                         "1.0.0-beta",  "1.0.0-beta.2",  "1.0.0-beta.11",
                         "1.0.0-rc.1",  "1.0.0"};
  for (size_t i = 0; i + 1 < std::size(chain); ++i) {
    EXPECT_EQ(Compare(chain[i], chain[i + 1]), -1)
        << chain[i] << " < " << chain[i + 1];
    EXPECT_EQ(Compare(chain[i + 1], chain[i]), 1);
  }
  EXPECT_EQ(Compare("1.0.0", "2.0.0"), -1);
  EXPECT_EQ(Compare("2.0.0", "2.1.0"), -1);
  EXPECT_EQ(Compare("2.1.0", "2.1.1"), -1);
}

TEST(SemVerTest, NumbersAreNumeric) {
  EXPECT_EQ(Compare("2.28.10", "2.28.9"), 1);
  EXPECT_EQ(Compare("2.28.3", "2.28.5"), -1);
  EXPECT_EQ(Compare("2.28.3", "3.0.0"), -1);
}

TEST(SemVerTest, BuildMetadataIsIgnored) {
  EXPECT_EQ(Compare("1.0.0+build.1", "1.0.0+build.2"), 0);
  EXPECT_EQ(Compare("1.0.0-rc.1+x", "1.0.0-rc.1"), 0);
}

TEST(SemVerTest, LenientForms) {
  EXPECT_EQ(Compare("v1.2.3", "1.2.3"), 0);
  EXPECT_EQ(Compare("1.2", "1.2.0"), 0);
  EXPECT_EQ(Compare("0", "0.0.1"), -1);
}

TEST(SemVerTest, MalformedVersionsAreErrors) {
  for (const char* bad :
       {"", "1.2.3.4", "1..2", "a.b.c", "1.2.3-", "1.2.3-a..b", "1.2.3+",
        "1.2.3.dfsg-1", "99999999999999999999999"}) {
    EXPECT_FALSE(ParseSemVer(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace staticship::policy
