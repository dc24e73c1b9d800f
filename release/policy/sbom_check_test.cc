#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "common/base/file.h"
#include "common/testing/temp_dir.h"
#include "release/policy/policy.h"
#include "release/sbom/spdx.h"

namespace staticship::policy {
namespace {

using nlohmann::json;

json Package(const std::string& name, const std::string& version,
             const std::string& license, const std::string& purl = "",
             const std::string& cpe = "",
             const std::string& purpose = "LIBRARY") {
  json p = {{"name", name},
            {"SPDXID", "SPDXRef-Package-" + name},
            {"versionInfo", version},
            {"licenseConcluded", license},
            {"licenseDeclared", license},
            {"primaryPackagePurpose", purpose}};
  json refs = json::array();
  if (!cpe.empty()) {
    refs.push_back({{"referenceCategory", "SECURITY"},
                    {"referenceType", "cpe23Type"},
                    {"referenceLocator", cpe}});
  }
  if (!purl.empty()) {
    refs.push_back({{"referenceCategory", "PACKAGE-MANAGER"},
                    {"referenceType", "purl"},
                    {"referenceLocator", purl}});
  }
  if (!refs.empty()) p["externalRefs"] = refs;
  return p;
}

json Sbom(std::vector<json> packages) {
  return {{"spdxVersion", "SPDX-2.3"}, {"packages", packages}};
}

// The packages we link, as //release/sbom describes them, with Debian's
// real version of zlib (epoch 1).
json OurSbom() {
  return Sbom({
      Package("staticship/gateway", "latest", "NOASSERTION", "", "",
              "CONTAINER"),
      Package("gateway", "NOASSERTION", "NOASSERTION", "", "", "APPLICATION"),
      Package("zlib", "1.2.13", "Zlib",
              "pkg:deb/debian/zlib@1:1.2.13.dfsg-1?arch=source",
              "cpe:2.3:a:zlib:zlib:1.2.13:*:*:*:*:*:*:*"),
      Package("Mbed TLS", "2.28.3", "Apache-2.0 OR GPL-2.0-or-later",
              "pkg:deb/debian/mbedtls@2.28.3-1?arch=source",
              "cpe:2.3:a:arm:mbed_tls:2.28.3:*:*:*:*:*:*:*"),
      Package("musl libc", "1.2.4", "MIT", "pkg:generic/musl@1.2.4",
              "cpe:2.3:a:musl-libc:musl:1.2.4:*:*:*:*:*:*:*"),
  });
}

Policy LicensePolicy(std::optional<std::vector<std::string>> allow,
                     std::vector<std::string> deny) {
  Policy policy;
  policy.licenses = LicenseRules{std::move(allow), std::move(deny)};
  return policy;
}

Policy FeedPolicy(Severity threshold, bool refuse_unknown = true) {
  auto records = LoadOsvFeed("release/policy/testdata/osv");
  EXPECT_TRUE(records.ok()) << records.message();
  Policy policy;
  policy.vulnerabilities = VulnerabilityRules{
      "release/policy/testdata/osv", threshold, refuse_unknown,
      records.ok() ? *records : std::vector<OsvRecord>{}};
  return policy;
}

std::vector<std::string> Lines(const std::vector<Violation>& violations) {
  std::vector<std::string> out;
  for (const Violation& v : violations) {
    out.push_back(FormatViolation(v, "sha256:ab12"));
  }
  return out;
}

TEST(LicenseRuleTest, PassesAndFails) {
  const json sbom = OurSbom();
  EXPECT_TRUE(CheckSbom(LicensePolicy({{"MIT", "Apache-2.0", "Zlib"}},
                                      {"GPL-3.0-only"}),
                        sbom)
                  .empty());
  // Mbed TLS passes through its Apache-2.0 alternative even with its other
  // alternative denied.
  EXPECT_TRUE(CheckSbom(LicensePolicy(std::nullopt, {"GPL-2.0-or-later"}), sbom)
                  .empty());
  EXPECT_EQ(Lines(CheckSbom(LicensePolicy(std::nullopt, {"Zlib"}), sbom)),
            (std::vector<std::string>{
                "refused sha256:ab12: license: zlib@1.2.13: Zlib is denied by "
                "policy"}));
  EXPECT_EQ(
      Lines(CheckSbom(LicensePolicy({{"MIT", "Zlib"}}, {}), sbom)),
      (std::vector<std::string>{
          "refused sha256:ab12: license: Mbed TLS@2.28.3: Apache-2.0 OR "
          "GPL-2.0-or-later: Apache-2.0 is not among the allowed licenses; "
          "GPL-2.0-or-later is not among the allowed licenses"}));
}

TEST(LicenseRuleTest, NoAssertionMalformedAndFallbacks) {
  json sbom = Sbom({
      Package("unknown", "1.0", "NOASSERTION"),
      Package("broken", "1.0", "MIT AND"),
      Package("mixed", "2.0", "MIT AND GPL-3.0-only"),
  });
  // licenseConcluded NOASSERTION falls back to licenseDeclared.
  json declared = Package("declared", "3.0", "NOASSERTION");
  declared["licenseDeclared"] = "MIT";
  sbom["packages"].push_back(declared);
  // Neither field: NOASSERTION.
  sbom["packages"].push_back({{"name", "bare"}, {"SPDXID", "SPDXRef-bare"}});
  EXPECT_EQ(Lines(CheckSbom(LicensePolicy({{"MIT"}}, {"GPL-3.0-only"}), sbom)),
            (std::vector<std::string>{
                "refused sha256:ab12: license: unknown@1.0: NOASSERTION (no "
                "license information) is not among the allowed licenses",
                "refused sha256:ab12: license: broken@1.0: license expression "
                "'MIT AND': expected a license after AND",
                "refused sha256:ab12: license: mixed@2.0: MIT AND "
                "GPL-3.0-only: GPL-3.0-only is denied by policy",
                "refused sha256:ab12: license: bare: NOASSERTION (no license "
                "information) is not among the allowed licenses",
            }));
  // Without an allow list NOASSERTION passes; the malformed one still not.
  EXPECT_EQ(
      CheckSbom(LicensePolicy(std::nullopt, {"GPL-3.0-only"}), sbom).size(),
      2u);
}

TEST(LicenseRuleTest, NotAnSbom) {
  const auto v = CheckSbom(LicensePolicy(std::nullopt, {"MIT"}), json(42));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].rule, "license");
  EXPECT_TRUE(CheckSbom(Policy{}, json(42)).empty());
}

TEST(VulnerabilityRuleTest, OurPackagesAgainstTheTestFeed) {
  // HIGH: CVE-2023-43615 (7.5) and CVE-2024-28960 (8.2) affect Mbed TLS
  // 2.28.3 through its CPE; CVE-2024-23170 is MEDIUM; zlib 1:1.2.13 is
  // past every fix of CVE-2022-37434.
  EXPECT_EQ(
      Lines(CheckSbom(FeedPolicy(Severity::kHigh), OurSbom())),
      (std::vector<std::string>{
          "refused sha256:ab12: vulnerability: Mbed TLS@2.28.3: "
          "CVE-2023-43615 (HIGH 7.5) affects cpe:2.3:a:arm:mbed_tls:2.28.3, "
          "fixed in 2.28.5",
          "refused sha256:ab12: vulnerability: Mbed TLS@2.28.3: "
          "CVE-2024-28960 (HIGH 8.2) affects cpe:2.3:a:arm:mbed_tls:2.28.3, "
          "fixed in 2.28.8",
      }));
  const auto medium =
      Lines(CheckSbom(FeedPolicy(Severity::kMedium), OurSbom()));
  ASSERT_EQ(medium.size(), 3u);
  EXPECT_EQ(medium[1],
            "refused sha256:ab12: vulnerability: Mbed TLS@2.28.3: "
            "CVE-2024-23170 (MEDIUM) affects cpe:2.3:a:arm:mbed_tls:2.28.3, "
            "fixed in 2.28.7");
  EXPECT_TRUE(CheckSbom(FeedPolicy(Severity::kCritical), OurSbom()).empty());
}

TEST(VulnerabilityRuleTest, PurlMatchesAndTheMissingEpoch) {
  const json sbom = Sbom({
      // Upstream's versions through a ConanCenter purl: SEMVER ranges.
      Package("mbedtls", "2.28.3", "Apache-2.0", "pkg:conan/mbedtls@2.28.3"),
      Package("mbedtls", "2.28.8", "Apache-2.0", "pkg:conan/mbedtls@2.28.8"),
      // zlib as third_party/deps.lock writes its purl today, without
      // Debian's epoch: dpkg orders 1.2.13.dfsg-1 below 1:1.2.11.dfsg-4.1.
      Package("zlib", "1.2.13", "Zlib",
              "pkg:deb/debian/zlib@1.2.13.dfsg-1?arch=source"),
  });
  EXPECT_EQ(
      Lines(CheckSbom(FeedPolicy(Severity::kHigh), sbom)),
      (std::vector<std::string>{
          "refused sha256:ab12: vulnerability: mbedtls@2.28.3: "
          "CVE-2023-43615 (HIGH 7.5) affects ConanCenter mbedtls >= 2.0.0, "
          "< 2.28.5 (have 2.28.3), fixed in 2.28.5",
          "refused sha256:ab12: vulnerability: mbedtls@2.28.3: "
          "CVE-2024-28960 (HIGH 8.2) affects ConanCenter mbedtls >= 2.18.0, "
          "< 2.28.8 (have 2.28.3), fixed in 2.28.8",
          "refused sha256:ab12: vulnerability: zlib@1.2.13: CVE-2022-37434 "
          "(CRITICAL 9.8) affects Debian:11 zlib < 1:1.2.11.dfsg-2+deb11u2 "
          "(have 1.2.13.dfsg-1), fixed in 1:1.2.11.dfsg-2+deb11u2",
      }));
}

TEST(VulnerabilityRuleTest, UnknownSeverityFollowsThePolicy) {
  const std::string record =
      R"({"id":"DEBIAN-CVE-2099-1","aliases":["CVE-2099-1"],)"
      R"("summary":"line one\nline two","affected":[{"package":)"
      R"({"ecosystem":"Debian:12","name":"zlib"},"ranges":[{"type":)"
      R"("ECOSYSTEM","events":[{"introduced":"0"}]}]}]})";
  auto records = ParseOsvJson(record, "mem");
  ASSERT_TRUE(records.ok()) << records.message();
  Policy policy;
  policy.vulnerabilities =
      VulnerabilityRules{"mem", Severity::kCritical, true, *records};
  const auto refused = Lines(CheckSbom(policy, OurSbom()));
  EXPECT_EQ(refused, (std::vector<std::string>{
                         "refused sha256:ab12: vulnerability: zlib@1.2.13: "
                         "DEBIAN-CVE-2099-1 / CVE-2099-1 (severity unknown) "
                         "affects Debian:12 zlib all versions (have "
                         "1:1.2.13.dfsg-1), no fix recorded"}));
  policy.vulnerabilities->refuse_unknown_severity = false;
  EXPECT_TRUE(CheckSbom(policy, OurSbom()).empty());
}

// Our own SBOM, written by //release/sbom from the real dependency lock
// (every runtime component linked), passes default.yaml's license rule.
TEST(DefaultPolicyTest, OurSbomPassesTheDefaultLicenseRule) {
  const char* deps_json = std::getenv("DEPS_JSON");
  ASSERT_NE(deps_json, nullptr);
  auto text = ReadWholeFile(deps_json);
  ASSERT_TRUE(text.ok()) << text.message();
  auto locked = release::ParseDepsJson(*text);
  ASSERT_TRUE(locked.ok()) << locked.message();
  std::set<std::string> repos;
  std::vector<std::string> purls;
  for (const auto& [id, c] : *locked) {
    if (c.use == "runtime" && !c.repo.empty()) repos.insert(c.repo);
  }
  auto components = release::SelectLinkedComponents(*locked, repos, "zig_sdk");
  ASSERT_TRUE(components.ok()) << components.message();
  ASSERT_GE(components->size(), 5u);
  for (const auto& c : *components) purls.push_back(c.purl);
  release::SbomRequest request;
  request.repository = "staticship/gateway";
  request.tag = "latest";
  request.manifest_digest = "sha256:" + std::string(64, 'a');
  request.binary_name = "gateway";
  request.static_components = *components;
  const json sbom = json::parse(release::SpdxJson(request));

  testing::TempDir dir;
  auto policy_text = ReadWholeFile("release/policy/default.yaml");
  ASSERT_TRUE(policy_text.ok());
  ASSERT_TRUE(WriteFileAtomically(dir.path() + "/key.pub", "key").ok());
  auto policy =
      ParsePolicy(*policy_text + "trusted_keys: [" + dir.path() + "/key.pub]\n",
                  dir.path() + "/policy.yaml");
  ASSERT_TRUE(policy.ok()) << policy.message();
  EXPECT_EQ(Lines(CheckSbom(*policy, sbom)), std::vector<std::string>{});
  EXPECT_EQ(Lines(CheckSbomComplete(sbom, purls)), std::vector<std::string>{});

  // And the rule can fail on it: a denied license in the lock is caught.
  (*locked)["zlib"].license = "GPL-3.0-only";
  auto bad = release::SelectLinkedComponents(*locked, repos, "zig_sdk");
  ASSERT_TRUE(bad.ok());
  request.static_components = *bad;
  const auto violations =
      CheckSbom(*policy, json::parse(release::SpdxJson(request)));
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].detail, "GPL-3.0-only is denied by policy");
}

}  // namespace
}  // namespace staticship::policy
