// The facts the rules need from each package of an SPDX 2.3 JSON document,
// read leniently: a field of the wrong type reads as absent, so a sloppy
// SBOM fails the rules (no license, no purl) instead of the reader.
#ifndef STATICSHIP_RELEASE_POLICY_SBOM_PACKAGES_H_
#define STATICSHIP_RELEASE_POLICY_SBOM_PACKAGES_H_

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

namespace staticship::policy {

struct SbomPackage {
  std::string subject;  // "zlib@1.2.13", or the name, or the SPDXID
  std::string version_info;
  std::string license_concluded;  // empty when absent
  std::string license_declared;
  std::string purpose;             // primaryPackagePurpose
  std::vector<std::string> purls;  // externalRefs of type purl
  std::vector<std::string> cpes;   // externalRefs of type cpe23Type
};

// nullopt when the document has no "packages" array.
std::optional<std::vector<SbomPackage>> ReadSbomPackages(
    const nlohmann::json& spdx);

}  // namespace staticship::policy

#endif  // STATICSHIP_RELEASE_POLICY_SBOM_PACKAGES_H_
