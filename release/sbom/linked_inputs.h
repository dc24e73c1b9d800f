// What an image links, written into its config as a label by `shipctl pack`
// so the signed manifest digest covers it: the purls of every linked input
// (lock components and copied shared libraries), sorted, space-separated.
// push and verify compare an SBOM's packages against it, so an SBOM that
// drops a linked package is caught after the fact.
#ifndef STATICSHIP_RELEASE_SBOM_LINKED_INPUTS_H_
#define STATICSHIP_RELEASE_SBOM_LINKED_INPUTS_H_

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"
#include "release/sbom/spdx.h"

namespace staticship::release {

inline constexpr char kLinkedInputsLabel[] = "dev.staticship.linked-inputs";

// The label's value.
std::string LinkedInputsLabel(const std::vector<LockedComponent>& components,
                              const std::vector<SharedLibrary>& libraries);

// The purls in an image config's label; nullopt when the config has none
// (an image packed by another tool or an older shipctl).
Result<std::optional<std::vector<std::string>>> LinkedInputsOfConfig(
    std::string_view config_json);

// Every purl an SPDX document's packages name in externalRefs.
std::set<std::string> SpdxPurls(const nlohmann::json& spdx);

// The linked purls the SBOM does not name, in the order given.
std::vector<std::string> MissingFromSbom(
    const nlohmann::json& spdx, const std::vector<std::string>& linked);

}  // namespace staticship::release

#endif  // STATICSHIP_RELEASE_SBOM_LINKED_INPUTS_H_
