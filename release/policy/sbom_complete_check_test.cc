#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "release/policy/policy.h"

namespace staticship::policy {
namespace {

using nlohmann::json;

json SbomWithPurls(const std::vector<std::string>& purls) {
  json packages = json::array();
  for (const std::string& purl : purls) {
    packages.push_back({{"name", "p"},
                        {"externalRefs",
                         {{{"referenceCategory", "PACKAGE-MANAGER"},
                           {"referenceType", "purl"},
                           {"referenceLocator", purl}}}}});
  }
  return {{"spdxVersion", "SPDX-2.3"}, {"packages", packages}};
}

TEST(SbomCompleteTest, EveryLinkedPurlNamed) {
  const json sbom =
      SbomWithPurls({"pkg:deb/debian/yaml-cpp@0.7.0%2Bdfsg-8?arch=source",
                     "pkg:generic/musl@1.2.4"});
  // Another spelling of the same purl is the same package.
  EXPECT_TRUE(CheckSbomComplete(
                  sbom, {"pkg:deb/debian/yaml-cpp@0.7.0+dfsg-8?arch=source",
                         "pkg:generic/musl@1.2.4"})
                  .empty());
  EXPECT_TRUE(CheckSbomComplete(sbom, {}).empty());
}

TEST(SbomCompleteTest, MissingOrDifferentVersionFails) {
  const json sbom = SbomWithPurls({"pkg:generic/musl@1.2.4"});
  const auto v = CheckSbomComplete(
      sbom, {"pkg:generic/musl@1.2.3", "pkg:deb/debian/zlib@1:1.2.13.dfsg-1"});
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].rule, "sbom-complete");
  EXPECT_EQ(v[0].subject, "pkg:generic/musl@1.2.3");
  EXPECT_EQ(v[0].detail,
            "linked into the binary, but no SBOM package names it");
  EXPECT_EQ(v[1].subject, "pkg:deb/debian/zlib@1:1.2.13.dfsg-1");
}

TEST(SbomCompleteTest, MalformedInputs) {
  auto v = CheckSbomComplete(json::object(), {"pkg:generic/musl@1.2.4"});
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].detail,
            "linked into the binary, but the SBOM has no packages array");
  v = CheckSbomComplete(SbomWithPurls({"musl"}), {"musl"});
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].detail,
            "the linked component's package URL 'musl': does not start with "
            "pkg:");
}

}  // namespace
}  // namespace staticship::policy
