#include "release/signing/statement.h"

namespace staticship::signing {

Result<std::string> PredicateTypeUri(std::string_view name) {
  if (name == "slsaprovenance" || name == "slsaprovenance1") {
    return std::string(kSlsaProvenanceV1);
  }
  if (name == "spdx" || name == "spdxjson") return std::string(kSpdxDocument);
  if (name.starts_with("https://")) return std::string(name);
  return MakeError(ErrorCode::kInvalidArgument,
                   "unknown predicate type '" + std::string(name) +
                       "' (slsaprovenance, spdx or a https:// URI)");
}

std::string StatementJson(std::string_view subject_name,
                          std::string_view manifest_digest,
                          std::string_view predicate_type,
                          const nlohmann::ordered_json& predicate) {
  std::string_view hex = manifest_digest;
  if (hex.starts_with("sha256:")) hex.remove_prefix(7);
  nlohmann::ordered_json subject;
  subject["name"] = subject_name;
  subject["digest"]["sha256"] = hex;
  nlohmann::ordered_json statement;
  statement["_type"] = kStatementType;
  statement["subject"] = nlohmann::ordered_json::array();
  statement["subject"].push_back(std::move(subject));
  statement["predicateType"] = predicate_type;
  statement["predicate"] = predicate;
  return statement.dump();
}

Result<Statement> ParseStatement(std::string_view json) {
  const nlohmann::json doc = nlohmann::json::parse(json, nullptr, false);
  auto bad = [](const std::string& what) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "not an in-toto Statement v1: " + what);
  };
  if (doc.is_discarded() || !doc.is_object()) return bad("not JSON");
  if (doc.value("_type", "") != kStatementType) {
    return bad("_type is not " + std::string(kStatementType));
  }
  if (!doc.contains("subject") || !doc["subject"].is_array() ||
      !doc.contains("predicateType") || !doc["predicateType"].is_string()) {
    return bad("subject or predicateType missing");
  }
  Statement statement;
  statement.predicate_type = doc["predicateType"].get<std::string>();
  for (const auto& entry : doc["subject"]) {
    if (!entry.is_object() || !entry.contains("digest") ||
        !entry["digest"].is_object()) {
      return bad("a subject has no digest");
    }
    Subject subject;
    subject.name = entry.value("name", "");
    subject.sha256 = entry["digest"].value("sha256", "");
    statement.subjects.push_back(std::move(subject));
  }
  statement.predicate = doc.value("predicate", nlohmann::json::object());
  return statement;
}

}  // namespace staticship::signing
