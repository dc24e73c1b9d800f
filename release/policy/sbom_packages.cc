#include "release/policy/sbom_packages.h"

#include <nlohmann/json.hpp>

namespace staticship::policy {
namespace {

std::string StringField(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

std::optional<std::vector<SbomPackage>> ReadSbomPackages(
    const nlohmann::json& spdx) {
  if (!spdx.is_object()) return std::nullopt;
  auto packages = spdx.find("packages");
  if (packages == spdx.end() || !packages->is_array()) return std::nullopt;
  std::vector<SbomPackage> out;
  for (const nlohmann::json& p : *packages) {
    if (!p.is_object()) continue;
    SbomPackage package;
    const std::string name = StringField(p, "name");
    package.version_info = StringField(p, "versionInfo");
    package.subject = name.empty() ? StringField(p, "SPDXID") : name;
    if (!package.version_info.empty() &&
        package.version_info != "NOASSERTION") {
      package.subject += "@" + package.version_info;
    }
    package.license_concluded = StringField(p, "licenseConcluded");
    package.license_declared = StringField(p, "licenseDeclared");
    package.purpose = StringField(p, "primaryPackagePurpose");
    auto refs = p.find("externalRefs");
    if (refs != p.end() && refs->is_array()) {
      for (const nlohmann::json& ref : *refs) {
        if (!ref.is_object()) continue;
        const std::string type = StringField(ref, "referenceType");
        const std::string locator = StringField(ref, "referenceLocator");
        if (locator.empty()) continue;
        if (type == "purl") package.purls.push_back(locator);
        if (type == "cpe23Type") package.cpes.push_back(locator);
      }
    }
    out.push_back(std::move(package));
  }
  return out;
}

}  // namespace staticship::policy
