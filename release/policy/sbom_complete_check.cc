#include <nlohmann/json.hpp>
#include <set>

#include "release/policy/package_id.h"
#include "release/policy/policy.h"
#include "release/policy/sbom_packages.h"

namespace staticship::policy {
namespace {

// Canonical form when the text parses, the text itself when not: two
// spellings of one purl are equal, and a malformed one only equals itself.
std::string Comparable(const std::string& purl) {
  auto parsed = ParsePackageUrl(purl);
  return parsed.ok() ? parsed->Canonical() : purl;
}

}  // namespace

std::vector<Violation> CheckSbomComplete(
    const nlohmann::json& spdx, const std::vector<std::string>& linked_purls) {
  std::vector<Violation> out;
  std::set<std::string> named;
  const auto packages = ReadSbomPackages(spdx);
  if (packages) {
    for (const SbomPackage& package : *packages) {
      for (const std::string& purl : package.purls) {
        named.insert(Comparable(purl));
      }
    }
  }
  for (const std::string& purl : linked_purls) {
    if (auto parsed = ParsePackageUrl(purl); !parsed.ok()) {
      out.push_back({"sbom-complete", purl,
                     "the linked component's " + parsed.message()});
      continue;
    }
    if (named.count(Comparable(purl))) continue;
    out.push_back({"sbom-complete", purl,
                   packages
                       ? "linked into the binary, but no SBOM package names it"
                       : "linked into the binary, but the SBOM has no packages "
                         "array"});
  }
  return out;
}

}  // namespace staticship::policy
