#include <yaml-cpp/yaml.h>

#include <set>
#include <system_error>

#include "common/base/file.h"
#include "common/base/strings.h"
#include "release/policy/license_expression.h"
#include "release/policy/policy.h"

namespace staticship::policy {
namespace {

// yaml-cpp reports by throwing, and so do the checks below; ParsePolicy
// turns either into one error value naming the line.
struct PolicyError {
  int line;  // 1-based; 0 when unknown
  std::string what;
};

int LineOf(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  return mark.line >= 0 ? mark.line + 1 : 0;
}

[[noreturn]] void Fail(const YAML::Node& node, const std::string& what) {
  throw PolicyError{LineOf(node), what};
}

// Every key of a mapping must be known and given once: a misspelt key
// ("licences") would otherwise switch a rule off without a word, and YAML
// parsers disagree on which of two equal keys wins.
void CheckKeys(const YAML::Node& map, const std::string& where,
               const std::set<std::string>& allowed) {
  if (!map.IsMap()) Fail(map, where + ": must be a mapping");
  std::set<std::string> seen;
  for (const auto& kv : map) {
    if (!kv.first.IsScalar()) Fail(kv.first, where + ": keys must be names");
    const std::string key = kv.first.Scalar();
    const std::string field = where == "policy" ? key : where + "." + key;
    if (!allowed.count(key)) {
      std::string known;
      for (const std::string& k : allowed)
        known += (known.empty() ? "" : ", ") + k;
      Fail(kv.first, field + ": unknown field (known: " + known + ")");
    }
    if (!seen.insert(key).second) Fail(kv.first, field + ": given twice");
  }
}

std::string Scalar(const YAML::Node& node, const std::string& field) {
  if (!node.IsScalar() || node.Scalar().empty()) {
    Fail(node, field + ": must be a non-empty string");
  }
  return node.Scalar();
}

std::vector<std::string> ScalarList(const YAML::Node& node,
                                    const std::string& field) {
  if (!node.IsSequence()) Fail(node, field + ": must be a list");
  std::vector<std::string> out;
  for (size_t i = 0; i < node.size(); ++i) {
    out.push_back(Scalar(node[i], field + "[" + std::to_string(i) + "]"));
  }
  return out;
}

std::filesystem::path Resolve(const std::filesystem::path& base,
                              const std::string& value) {
  const std::filesystem::path p(value);
  return (p.is_absolute() ? p : base / p).lexically_normal();
}

std::vector<std::filesystem::path> ReadKeys(const YAML::Node& node,
                                            const std::filesystem::path& base) {
  const std::vector<std::string> keys = ScalarList(node, "trusted_keys");
  if (keys.empty()) Fail(node, "trusted_keys: must name at least one key");
  std::vector<std::filesystem::path> out;
  for (size_t i = 0; i < keys.size(); ++i) {
    const std::filesystem::path path = Resolve(base, keys[i]);
    const std::string field = "trusted_keys[" + std::to_string(i) + "]";
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (ec || !std::filesystem::exists(status)) {
      Fail(node[i], field + ": " + path.string() + " does not exist");
    }
    if (!std::filesystem::is_regular_file(status)) {
      Fail(node[i], field + ": " + path.string() + " is not a file");
    }
    out.push_back(path);
  }
  return out;
}

std::vector<std::string> ReadAttestations(const YAML::Node& node) {
  const std::vector<std::string> names =
      ScalarList(node, "required_attestations");
  std::vector<std::string> out;
  for (size_t i = 0; i < names.size(); ++i) {
    const std::optional<std::string> type = PredicateTypeFor(names[i]);
    if (!type) {
      Fail(node[i], "required_attestations[" + std::to_string(i) + "]: '" +
                        names[i] +
                        "' is neither slsaprovenance, spdx nor a predicate "
                        "type URI");
    }
    bool duplicate = false;
    for (const std::string& have : out) duplicate |= have == *type;
    if (!duplicate) out.push_back(*type);
  }
  return out;
}

// Each entry of allow/deny is one license: an id, "id+" or "id WITH
// exception"; checked with the expression parser so a typo such as
// "MIT AND" is refused here rather than never matching.
std::vector<std::string> ReadLicenseList(const YAML::Node& node,
                                         const std::string& field) {
  std::vector<std::string> out = ScalarList(node, field);
  for (size_t i = 0; i < out.size(); ++i) {
    auto term = ParseLicenseTerm(out[i]);
    if (!term.ok()) {
      Fail(node[i], field + "[" + std::to_string(i) + "]: " + term.message());
    }
  }
  return out;
}

LicenseRules ReadLicenses(const YAML::Node& node) {
  CheckKeys(node, "licenses", {"allow", "deny"});
  LicenseRules rules;
  if (node["allow"]) {
    rules.allow = ReadLicenseList(node["allow"], "licenses.allow");
  }
  if (node["deny"]) rules.deny = ReadLicenseList(node["deny"], "licenses.deny");
  if (!rules.allow && rules.deny.empty()) {
    Fail(node, "licenses: needs allow or deny");
  }
  return rules;
}

SourceRule ReadSource(const YAML::Node& node) {
  CheckKeys(node, "source", {"repository", "branch"});
  if (!node["repository"]) Fail(node, "source.repository: is missing");
  if (!node["branch"]) Fail(node, "source.branch: is missing");
  return SourceRule{Scalar(node["repository"], "source.repository"),
                    Scalar(node["branch"], "source.branch")};
}

VulnerabilityRules ReadVulnerabilities(const YAML::Node& node,
                                       const std::filesystem::path& base) {
  CheckKeys(node, "vulnerabilities",
            {"feed", "severity_threshold", "unknown_severity"});
  VulnerabilityRules rules;
  if (!node["feed"]) Fail(node, "vulnerabilities.feed: is missing");
  if (!node["severity_threshold"]) {
    Fail(node, "vulnerabilities.severity_threshold: is missing");
  }
  const std::string threshold =
      Scalar(node["severity_threshold"], "vulnerabilities.severity_threshold");
  const std::optional<Severity> level = ParseSeverityWord(threshold);
  static const std::set<std::string> kLevels = {"low", "medium", "high",
                                                "critical"};
  if (!level || !kLevels.count(AsciiLower(threshold))) {
    Fail(node["severity_threshold"],
         "vulnerabilities.severity_threshold: '" + threshold +
             "' is not LOW, MEDIUM, HIGH or CRITICAL");
  }
  rules.threshold = *level;
  if (node["unknown_severity"]) {
    const std::string unknown =
        Scalar(node["unknown_severity"], "vulnerabilities.unknown_severity");
    if (unknown != "refuse" && unknown != "ignore") {
      Fail(node["unknown_severity"], "vulnerabilities.unknown_severity: '" +
                                         unknown + "' is not refuse or ignore");
    }
    rules.refuse_unknown_severity = unknown == "refuse";
  }
  rules.feed = Resolve(base, Scalar(node["feed"], "vulnerabilities.feed"));
  auto records = LoadOsvFeed(rules.feed);
  if (!records.ok()) {
    Fail(node["feed"], "vulnerabilities.feed: " + records.message());
  }
  rules.records = std::move(*records);
  return rules;
}

}  // namespace

Result<Policy> ParsePolicy(std::string_view yaml,
                           const std::filesystem::path& file) {
  const std::filesystem::path base =
      std::filesystem::absolute(file).parent_path();
  const std::string name = file.string();
  try {
    const YAML::Node root = YAML::Load(std::string(yaml));
    if (!root.IsDefined() || root.IsNull()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       name + ": empty policy; trusted_keys is required");
    }
    CheckKeys(root, "policy",
              {"trusted_keys", "required_attestations", "licenses", "source",
               "vulnerabilities"});
    Policy policy;
    if (!root["trusted_keys"]) {
      return MakeError(
          ErrorCode::kInvalidArgument,
          name +
              ": trusted_keys: is missing; a policy must name the keys "
              "its images are signed with");
    }
    policy.trusted_keys = ReadKeys(root["trusted_keys"], base);
    if (root["required_attestations"]) {
      policy.required_attestations =
          ReadAttestations(root["required_attestations"]);
    }
    if (root["licenses"]) policy.licenses = ReadLicenses(root["licenses"]);
    if (root["source"]) policy.source = ReadSource(root["source"]);
    if (root["vulnerabilities"]) {
      policy.vulnerabilities =
          ReadVulnerabilities(root["vulnerabilities"], base);
    }
    return policy;
  } catch (const PolicyError& e) {
    return MakeError(ErrorCode::kInvalidArgument,
                     name + (e.line > 0 ? ":" + std::to_string(e.line) : "") +
                         ": " + e.what);
  } catch (const YAML::Exception& e) {
    const int line = e.mark.line >= 0 ? e.mark.line + 1 : 0;
    return MakeError(ErrorCode::kInvalidArgument,
                     name + (line > 0 ? ":" + std::to_string(line) : "") +
                         ": not valid YAML: " + e.msg);
  }
}

Result<Policy> LoadPolicy(const std::filesystem::path& file) {
  auto text = ReadWholeFile(file);
  if (!text.ok()) return WithContext(text.error(), "policy");
  return ParsePolicy(*text, file);
}

}  // namespace staticship::policy
