// JSON values as block-style YAML, for documents people read and edit
// (Kubernetes manifests). Every string that a YAML reader could take for
// something else (a number, a bool, null, a key/value) is double-quoted;
// multi-line text becomes a literal block (`|`), so a config file carried
// in a ConfigMap reads as the file itself.
#ifndef STATICSHIP_RELEASE_DEPLOY_YAML_WRITER_H_
#define STATICSHIP_RELEASE_DEPLOY_YAML_WRITER_H_

#include <nlohmann/json_fwd.hpp>
#include <string>

namespace staticship::deploy {

// One document's body (no "---"), ending in a newline.
std::string ToYaml(const nlohmann::ordered_json& value);

}  // namespace staticship::deploy

#endif  // STATICSHIP_RELEASE_DEPLOY_YAML_WRITER_H_
