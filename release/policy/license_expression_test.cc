#include "release/policy/license_expression.h"

#include <gtest/gtest.h>

namespace staticship::policy {
namespace {

using Kind = LicenseExpression::Kind;

LicenseExpression Parse(const char* text) {
  auto e = ParseLicenseExpression(text);
  EXPECT_TRUE(e.ok()) << e.message();
  return e.ok() ? *e : LicenseExpression{};
}

TEST(LicenseExpressionTest, Terms) {
  LicenseExpression e = Parse("MIT");
  EXPECT_EQ(e.kind, Kind::kTerm);
  EXPECT_EQ(e.term.id, "MIT");
  e = Parse("GPL-2.0+");
  EXPECT_TRUE(e.term.or_later);
  EXPECT_EQ(e.term.id, "GPL-2.0");
  e = Parse("Apache-2.0 WITH LLVM-exception");
  EXPECT_EQ(e.term.exception, "LLVM-exception");
  e = Parse("DocumentRef-spdx-tool-1.2:LicenseRef-MIT-Style-2");
  EXPECT_EQ(e.term.id, "DocumentRef-spdx-tool-1.2:LicenseRef-MIT-Style-2");
  EXPECT_EQ(Parse("NOASSERTION").term.id, "NOASSERTION");
}

TEST(LicenseExpressionTest, PrecedenceAndParentheses) {
  // AND binds tighter than OR.
  LicenseExpression e = Parse("MIT OR Zlib AND GPL-3.0-only");
  ASSERT_EQ(e.kind, Kind::kOr);
  ASSERT_EQ(e.operands.size(), 2u);
  EXPECT_EQ(e.operands[0].term.id, "MIT");
  EXPECT_EQ(e.operands[1].kind, Kind::kAnd);
  e = Parse("(MIT OR Zlib) AND GPL-3.0-only");
  ASSERT_EQ(e.kind, Kind::kAnd);
  EXPECT_EQ(e.operands[0].kind, Kind::kOr);
  EXPECT_EQ(ToString(e), "(MIT OR Zlib) AND GPL-3.0-only");
  e = Parse("LGPL-2.1-only OR BSD-3-Clause AND MIT");
  EXPECT_EQ(ToString(e), "LGPL-2.1-only OR BSD-3-Clause AND MIT");
  // WITH binds tighter than AND; operators may be lower case.
  e = Parse("gpl-2.0-or-later with Classpath-exception-2.0 and mit");
  ASSERT_EQ(e.kind, Kind::kAnd);
  EXPECT_EQ(e.operands[0].term.exception, "Classpath-exception-2.0");
  e = Parse("A OR B OR C");
  EXPECT_EQ(e.operands.size(), 3u);
}

TEST(LicenseExpressionTest, MalformedAreErrors) {
  for (const char* bad :
       {"", "MIT AND", "AND MIT", "(MIT", "MIT)", "MIT OR OR Zlib", "MIT Zlib",
        "MIT WITH", "(MIT) WITH X", "MIT/Zlib", "NOASSERTION AND MIT",
        "LicenseRef-x+", "MIT WITH (X)", "MIT OR ()"}) {
    EXPECT_FALSE(ParseLicenseExpression(bad).ok()) << bad;
  }
  auto error = ParseLicenseExpression("MIT AND");
  EXPECT_EQ(error.message(),
            "license expression 'MIT AND': expected a license after AND");
}

LicenseVerdict Judge(const char* expression,
                     std::optional<std::vector<std::string>> allow,
                     std::vector<std::string> deny) {
  return JudgeLicenses(Parse(expression), allow, deny);
}

TEST(JudgeLicensesTest, SomeOrAlternativeMustPass) {
  const std::vector<std::string> deny = {"GPL-2.0-or-later", "GPL-3.0-only"};
  EXPECT_TRUE(
      Judge("Apache-2.0 OR GPL-2.0-or-later", std::nullopt, deny).acceptable);
  LicenseVerdict v = Judge("MIT AND GPL-3.0-only", std::nullopt, deny);
  EXPECT_FALSE(v.acceptable);
  ASSERT_EQ(v.refusals.size(), 1u);
  EXPECT_EQ(v.refusals[0], "GPL-3.0-only is denied by policy");
  v = Judge("GPL-3.0-only OR GPL-2.0-or-later", std::nullopt, deny);
  EXPECT_FALSE(v.acceptable);
  EXPECT_EQ(v.refusals.size(), 2u);
  EXPECT_TRUE(
      Judge("(GPL-3.0-only OR MIT) AND Zlib", std::nullopt, deny).acceptable);
}

TEST(JudgeLicensesTest, AllowList) {
  const std::vector<std::string> allow = {"MIT", "Apache-2.0", "Zlib"};
  EXPECT_TRUE(Judge("MIT AND Zlib", allow, {}).acceptable);
  LicenseVerdict v = Judge("MIT AND BSD-3-Clause", allow, {});
  EXPECT_FALSE(v.acceptable);
  EXPECT_EQ(v.refusals[0], "BSD-3-Clause is not among the allowed licenses");
  // An exception only adds permissions: allowing Apache-2.0 allows it with
  // LLVM-exception; allowing only the pair does not allow plain Apache-2.0.
  EXPECT_TRUE(Judge("Apache-2.0 WITH LLVM-exception", allow, {}).acceptable);
  const std::vector<std::string> pair = {"Apache-2.0 WITH LLVM-exception"};
  EXPECT_TRUE(Judge("Apache-2.0 WITH LLVM-exception", pair, {}).acceptable);
  EXPECT_FALSE(Judge("Apache-2.0", pair, {}).acceptable);
  // Ids compare case-insensitively; LicenseRefs must be listed to pass.
  EXPECT_TRUE(Judge("mit", allow, {}).acceptable);
  EXPECT_FALSE(Judge("LicenseRef-Proprietary", allow, {}).acceptable);
}

TEST(JudgeLicensesTest, NoAssertionAndNone) {
  const std::vector<std::string> allow = {"MIT"};
  LicenseVerdict v = Judge("NOASSERTION", allow, {});
  EXPECT_FALSE(v.acceptable);
  EXPECT_EQ(v.refusals[0],
            "NOASSERTION (no license information) is not among the allowed "
            "licenses");
  EXPECT_FALSE(Judge("NONE", allow, {}).acceptable);
  // Without an allow list only denials refuse.
  EXPECT_TRUE(Judge("NOASSERTION", std::nullopt, {"GPL-3.0-only"}).acceptable);
  EXPECT_FALSE(Judge("NOASSERTION", std::nullopt, {"NOASSERTION"}).acceptable);
}

TEST(JudgeLicensesTest, DeprecatedIdsAndOrLater) {
  const std::vector<std::string> deny = {"GPL-3.0-only", "GPL-2.0-or-later"};
  // GPL-3.0 is the deprecated spelling of GPL-3.0-only; GPL-2.0+ of
  // GPL-2.0-or-later.
  EXPECT_FALSE(Judge("GPL-3.0", std::nullopt, deny).acceptable);
  EXPECT_FALSE(Judge("GPL-2.0+", std::nullopt, deny).acceptable);
  // GPL-3.0-or-later is not GPL-3.0-only, and GPL-2.0-only not -or-later.
  EXPECT_TRUE(Judge("GPL-3.0-or-later", std::nullopt, deny).acceptable);
  EXPECT_TRUE(Judge("GPL-2.0-only", std::nullopt, deny).acceptable);
  // A denied license stays denied with an exception.
  EXPECT_FALSE(Judge("GPL-3.0-only WITH GCC-exception-3.1", std::nullopt, deny)
                   .acceptable);
  // A denied pair leaves the plain license alone.
  EXPECT_TRUE(Judge("GPL-2.0-only", std::nullopt,
                    {"GPL-2.0-only WITH Classpath-exception-2.0"})
                  .acceptable);
}

TEST(LicenseTermTest, PolicyEntries) {
  EXPECT_TRUE(ParseLicenseTerm("Apache-2.0 WITH LLVM-exception").ok());
  EXPECT_FALSE(ParseLicenseTerm("MIT OR Zlib").ok());
  EXPECT_FALSE(ParseLicenseTerm("MIT AND").ok());
}

}  // namespace
}  // namespace staticship::policy
