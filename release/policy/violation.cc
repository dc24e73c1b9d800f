#include "release/policy/policy.h"

namespace staticship::policy {
namespace {

// Feeds and SBOMs are other people's text: a newline in a summary must not
// split one refusal into two lines, nor an escape sequence reach a
// terminal.
void AppendOneLine(std::string* out, std::string_view text) {
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    *out += (u < 0x20 || u == 0x7f) ? ' ' : c;
  }
}

}  // namespace

std::string FormatViolation(const Violation& violation,
                            std::string_view digest) {
  std::string out = "refused ";
  AppendOneLine(&out, digest);
  out += ": ";
  AppendOneLine(&out, violation.rule);
  out += ": ";
  if (!violation.subject.empty()) {
    AppendOneLine(&out, violation.subject);
    out += ": ";
  }
  AppendOneLine(&out, violation.detail);
  return out;
}

std::optional<std::string> PredicateTypeFor(std::string_view name) {
  if (name.find("://") != std::string_view::npos) return std::string(name);
  // cosign's --type names. Our provenance is SLSA v1, so "slsaprovenance"
  // means v1 here (cosign maps it to v0.2, which we never produce).
  if (name == "slsaprovenance" || name == "slsaprovenance1") {
    return std::string(kSlsaProvenanceV1);
  }
  if (name == "spdx" || name == "spdxjson") return std::string(kSpdxDocument);
  return std::nullopt;
}

std::vector<Violation> CheckRequiredAttestations(
    const Policy& policy, const std::vector<std::string>& verified_types) {
  std::vector<Violation> out;
  for (const std::string& type : policy.required_attestations) {
    bool found = false;
    for (const std::string& have : verified_types) found |= have == type;
    if (!found) {
      out.push_back({"attestation", type,
                     "no attestation of this predicate type verified with a "
                     "trusted key"});
    }
  }
  return out;
}

}  // namespace staticship::policy
