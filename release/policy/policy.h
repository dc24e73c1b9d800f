// The release policy: which keys sign our images, which attestations they
// must carry, and what their SBOM and provenance may say (licenses, known
// vulnerabilities, the source they were built from). `shipctl verify`,
// `push` and `deploy` load one policy file and refuse an image on any
// violation, printing each as one line (FormatViolation).
//
// The checks are pure functions of the policy and the documents: no I/O
// after LoadPolicy, so the same inputs always give the same violations, in
// the same order.
#ifndef STATICSHIP_RELEASE_POLICY_POLICY_H_
#define STATICSHIP_RELEASE_POLICY_POLICY_H_

#include <filesystem>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"
#include "release/policy/osv.h"
#include "release/policy/severity.h"

namespace staticship::policy {

struct Violation {
  // "signature", "attestation", "sbom-complete", "license", "vulnerability"
  // or "source".
  std::string rule;
  // What it is about: a package ("zlib@1.2.13"), a key, an attestation's
  // predicate type, a purl.
  std::string subject;
  std::string detail;
};

// One line: "refused sha256:…: license: zlib@1.2.13: GPL-3.0-only is denied
// by policy". Control characters (a feed's text can hold newlines) become
// spaces, so a violation never spans two lines; an empty subject is left
// out.
std::string FormatViolation(const Violation& violation,
                            std::string_view digest);

inline constexpr std::string_view kSlsaProvenanceV1 =
    "https://slsa.dev/provenance/v1";
inline constexpr std::string_view kSpdxDocument = "https://spdx.dev/Document";

struct LicenseRules {
  // Absent: any license that is not denied passes. Present: a package
  // passes only with licenses from this list.
  std::optional<std::vector<std::string>> allow;
  std::vector<std::string> deny;
};

struct SourceRule {
  std::string repository;  // compared without a trailing ".git" or "/"
  std::string branch;      // "main" matches ref "refs/heads/main" or "main"
};

struct VulnerabilityRules {
  std::filesystem::path feed;  // resolved against the policy file
  Severity threshold = Severity::kLow;
  // An affecting record whose severity cannot be determined counts as at
  // the threshold (policy `unknown_severity: refuse`, the default) or is
  // let through (`ignore`).
  bool refuse_unknown_severity = true;
  std::vector<OsvRecord> records;  // the feed, read by LoadPolicy
};

struct Policy {
  std::vector<std::filesystem::path> trusted_keys;  // absolute
  // Full predicate type URIs (short names such as "slsaprovenance" are
  // resolved by LoadPolicy), in the file's order, without duplicates.
  std::vector<std::string> required_attestations;
  std::optional<LicenseRules> licenses;
  std::optional<SourceRule> source;
  std::optional<VulnerabilityRules> vulnerabilities;
};

// Reads a YAML policy (see README.md for the format). Relative paths
// (trusted_keys, vulnerabilities.feed) are resolved against the policy
// file's directory; absolute ones are kept. Every key file must exist and
// the feed must parse. A bad policy is one error line naming the file, the
// line and the field: "policy.yaml:3: licenses.deny: must be a list".
Result<Policy> LoadPolicy(const std::filesystem::path& file);

// The same from text already read; `file` names it in errors and anchors
// relative paths.
Result<Policy> ParsePolicy(std::string_view yaml,
                           const std::filesystem::path& file);

// "slsaprovenance" -> https://slsa.dev/provenance/v1, "spdx" ->
// https://spdx.dev/Document; a URI is returned as is; nullopt otherwise.
std::optional<std::string> PredicateTypeFor(std::string_view name);

// License and vulnerability rules over the packages of an SPDX 2.3 JSON
// document: one violation per package whose license expression the policy
// refuses (or cannot parse), and one per (vulnerability record, package)
// that affects it at or above the threshold.
std::vector<Violation> CheckSbom(const Policy& policy,
                                 const nlohmann::json& spdx);

// The source rule over a SLSA v1 provenance predicate:
// buildDefinition.externalParameters.source.{repository,ref}. A missing
// field is a violation naming it. No source rule: no violations.
std::vector<Violation> CheckProvenance(const Policy& policy,
                                       const nlohmann::json& predicate);

// Every linked component's purl must be named by some package's purl
// externalRef in the SBOM (compared in canonical form, so %2B and + are the
// same); one violation per purl that is not.
std::vector<Violation> CheckSbomComplete(
    const nlohmann::json& spdx, const std::vector<std::string>& linked_purls);

// One "attestation" violation per required predicate type that is not in
// `verified_types` (the predicate types of attestations whose signatures
// verified).
std::vector<Violation> CheckRequiredAttestations(
    const Policy& policy, const std::vector<std::string>& verified_types);

}  // namespace staticship::policy

#endif  // STATICSHIP_RELEASE_POLICY_POLICY_H_
