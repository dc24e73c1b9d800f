// in-toto Statement v1 (github.com/in-toto/attestation, spec/v1): what a
// DSSE attestation's payload is. Subject = the image (repository name and
// manifest digest), predicate = the SBOM or the provenance.
#ifndef STATICSHIP_RELEASE_SIGNING_STATEMENT_H_
#define STATICSHIP_RELEASE_SIGNING_STATEMENT_H_

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"

namespace staticship::signing {

inline constexpr char kStatementType[] = "https://in-toto.io/Statement/v1";
inline constexpr char kSlsaProvenanceV1[] = "https://slsa.dev/provenance/v1";
inline constexpr char kSpdxDocument[] = "https://spdx.dev/Document";
// The layer annotation cosign writes beside each attestation.
inline constexpr char kPredicateTypeAnnotation[] = "predicateType";

// "slsaprovenance" and "spdx" (cosign's --type names) or a full URI.
Result<std::string> PredicateTypeUri(std::string_view name);

struct Subject {
  std::string name;
  std::string sha256;  // hex
};

struct Statement {
  std::vector<Subject> subjects;
  std::string predicate_type;
  nlohmann::json predicate;
};

std::string StatementJson(std::string_view subject_name,
                          std::string_view manifest_digest,
                          std::string_view predicate_type,
                          const nlohmann::ordered_json& predicate);

Result<Statement> ParseStatement(std::string_view json);

}  // namespace staticship::signing

#endif  // STATICSHIP_RELEASE_SIGNING_STATEMENT_H_
