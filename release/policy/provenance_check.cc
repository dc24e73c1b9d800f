#include <nlohmann/json.hpp>

#include "release/policy/policy.h"

namespace staticship::policy {
namespace {

constexpr char kSourcePath[] = "buildDefinition.externalParameters.source";

// The string at buildDefinition.externalParameters.source.<key>, or why
// there is none.
std::optional<std::string> SourceField(const nlohmann::json& predicate,
                                       const std::string& key,
                                       std::string* why) {
  const nlohmann::json* node = &predicate;
  for (const char* step : {"buildDefinition", "externalParameters", "source"}) {
    if (!node->is_object() || !node->contains(step)) {
      *why = std::string(kSourcePath) + "." + key + " is missing";
      return std::nullopt;
    }
    node = &(*node)[step];
  }
  if (!node->is_object() || !node->contains(key)) {
    *why = std::string(kSourcePath) + "." + key + " is missing";
    return std::nullopt;
  }
  const nlohmann::json& value = (*node)[key];
  if (!value.is_string()) {
    *why = std::string(kSourcePath) + "." + key + " is not a string";
    return std::nullopt;
  }
  return value.get<std::string>();
}

// "https://example.org/x.git/" and "https://example.org/x" name one
// repository.
std::string NormalizeRepository(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (url.size() >= 4 && url.compare(url.size() - 4, 4, ".git") == 0) {
    url.resize(url.size() - 4);
  }
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

}  // namespace

std::vector<Violation> CheckProvenance(const Policy& policy,
                                       const nlohmann::json& predicate) {
  std::vector<Violation> out;
  if (!policy.source) return out;
  const std::string subject(kSlsaProvenanceV1);
  std::string why;
  if (auto repository = SourceField(predicate, "repository", &why)) {
    if (NormalizeRepository(*repository) !=
        NormalizeRepository(policy.source->repository)) {
      out.push_back({"source", subject,
                     "built from repository " + *repository +
                         ", policy requires " + policy.source->repository});
    }
  } else {
    out.push_back({"source", subject, why});
  }
  if (auto ref = SourceField(predicate, "ref", &why)) {
    const std::string& branch = policy.source->branch;
    if (*ref != "refs/heads/" + branch && *ref != branch) {
      out.push_back({"source", subject,
                     "built from ref " + *ref + ", policy requires branch " +
                         branch + " (refs/heads/" + branch + ")"});
    }
  } else {
    out.push_back({"source", subject, why});
  }
  return out;
}

}  // namespace staticship::policy
