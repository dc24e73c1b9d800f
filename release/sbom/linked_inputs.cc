#include "release/sbom/linked_inputs.h"

#include <nlohmann/json.hpp>

namespace staticship::release {

std::string LinkedInputsLabel(const std::vector<LockedComponent>& components,
                              const std::vector<SharedLibrary>& libraries) {
  std::set<std::string> purls;
  for (const LockedComponent& c : components) purls.insert(c.purl);
  for (const SharedLibrary& l : libraries) purls.insert(SharedLibraryPurl(l));
  std::string label;
  for (const std::string& purl : purls) {
    if (!label.empty()) label += ' ';
    label += purl;
  }
  return label;
}

Result<std::optional<std::vector<std::string>>> LinkedInputsOfConfig(
    std::string_view config_json) {
  const nlohmann::json config =
      nlohmann::json::parse(config_json, nullptr, false);
  if (config.is_discarded() || !config.is_object()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "image config is not a JSON object");
  }
  const nlohmann::json::json_pointer path("/config/Labels/" +
                                          std::string(kLinkedInputsLabel));
  if (!config.contains(path)) {
    return std::optional<std::vector<std::string>>();
  }
  if (!config[path].is_string()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     std::string(kLinkedInputsLabel) + " is not a string");
  }
  const std::string value = config[path].get<std::string>();
  std::vector<std::string> purls;
  std::size_t start = 0;
  while (start < value.size()) {
    std::size_t end = value.find(' ', start);
    if (end == std::string::npos) end = value.size();
    if (end > start) purls.push_back(value.substr(start, end - start));
    start = end + 1;
  }
  return std::optional<std::vector<std::string>>(std::move(purls));
}

std::set<std::string> SpdxPurls(const nlohmann::json& spdx) {
  std::set<std::string> purls;
  if (!spdx.is_object() || !spdx.contains("packages") ||
      !spdx["packages"].is_array()) {
    return purls;
  }
  for (const auto& package : spdx["packages"]) {
    if (!package.is_object() || !package.contains("externalRefs") ||
        !package["externalRefs"].is_array()) {
      continue;
    }
    for (const auto& ref : package["externalRefs"]) {
      if (ref.is_object() && ref.value("referenceType", "") == "purl" &&
          ref.contains("referenceLocator") &&
          ref["referenceLocator"].is_string()) {
        purls.insert(ref["referenceLocator"].get<std::string>());
      }
    }
  }
  return purls;
}

std::vector<std::string> MissingFromSbom(
    const nlohmann::json& spdx, const std::vector<std::string>& linked) {
  const std::set<std::string> named = SpdxPurls(spdx);
  std::vector<std::string> missing;
  for (const std::string& purl : linked) {
    if (named.count(purl) == 0) missing.push_back(purl);
  }
  return missing;
}

}  // namespace staticship::release
