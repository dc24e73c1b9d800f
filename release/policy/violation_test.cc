#include <gtest/gtest.h>

#include "release/policy/policy.h"

namespace staticship::policy {
namespace {

TEST(FormatViolationTest, OneLine) {
  EXPECT_EQ(FormatViolation(
                {"license", "zlib@1.2.13", "GPL-3.0-only is denied by policy"},
                "sha256:ab12"),
            "refused sha256:ab12: license: zlib@1.2.13: GPL-3.0-only is "
            "denied by policy");
  // Text from feeds and SBOMs cannot break the line or reach a terminal.
  EXPECT_EQ(
      FormatViolation({"vulnerability", "x\n1", "a\r\nb\x1b[31m"}, "sha256:cd"),
      "refused sha256:cd: vulnerability: x 1: a  b [31m");
  EXPECT_EQ(
      FormatViolation({"signature", "", "no signature verified"}, "sha256:ef"),
      "refused sha256:ef: signature: no signature verified");
}

TEST(PredicateTypeTest, ShortNamesAndUris) {
  EXPECT_EQ(PredicateTypeFor("slsaprovenance"),
            "https://slsa.dev/provenance/v1");
  EXPECT_EQ(PredicateTypeFor("spdx"), "https://spdx.dev/Document");
  EXPECT_EQ(PredicateTypeFor("https://example.org/x"), "https://example.org/x");
  EXPECT_EQ(PredicateTypeFor("cyclonedx"), std::nullopt);
}

TEST(RequiredAttestationsTest, MissingTypesAreViolations) {
  Policy policy;
  policy.required_attestations = {std::string(kSlsaProvenanceV1),
                                  std::string(kSpdxDocument)};
  EXPECT_TRUE(
      CheckRequiredAttestations(
          policy, {std::string(kSpdxDocument), std::string(kSlsaProvenanceV1)})
          .empty());
  const auto v =
      CheckRequiredAttestations(policy, {std::string(kSpdxDocument)});
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].rule, "attestation");
  EXPECT_EQ(v[0].subject, "https://slsa.dev/provenance/v1");
}

}  // namespace
}  // namespace staticship::policy
