#include <nlohmann/json.hpp>

#include "release/policy/license_expression.h"
#include "release/policy/policy.h"
#include "release/policy/sbom_packages.h"
#include "release/policy/vulnerability_match.h"

namespace staticship::policy {
namespace {

// The image and the program it runs are what is being released: their
// license is the releaser's own, and the license rule is about what they
// incorporate. Everything else (libraries, and packages that do not say
// what they are) is checked.
bool IsTheReleaseItself(const SbomPackage& package) {
  return package.purpose == "CONTAINER" || package.purpose == "APPLICATION";
}

// licenseConcluded, unless it is absent or NOASSERTION; then
// licenseDeclared; NOASSERTION when neither says anything.
std::string LicenseOf(const SbomPackage& package) {
  if (!package.license_concluded.empty() &&
      package.license_concluded != "NOASSERTION") {
    return package.license_concluded;
  }
  if (!package.license_declared.empty()) return package.license_declared;
  return "NOASSERTION";
}

void CheckLicense(const LicenseRules& rules, const SbomPackage& package,
                  std::vector<Violation>* out) {
  if (IsTheReleaseItself(package)) return;
  const std::string text = LicenseOf(package);
  auto expression = ParseLicenseExpression(text);
  if (!expression.ok()) {
    out->push_back({"license", package.subject, expression.message()});
    return;
  }
  const LicenseVerdict verdict =
      JudgeLicenses(*expression, rules.allow, rules.deny);
  if (verdict.acceptable) return;
  std::string detail;
  for (const std::string& refusal : verdict.refusals) {
    detail += (detail.empty() ? "" : "; ") + refusal;
  }
  if (expression->kind != LicenseExpression::Kind::kTerm) {
    detail = ToString(*expression) + ": " + detail;
  }
  out->push_back({"license", package.subject, detail});
}

std::string RecordName(const OsvRecord& record) {
  if (record.id.rfind("CVE-", 0) == 0) return record.id;
  for (const std::string& alias : record.aliases) {
    if (alias.rfind("CVE-", 0) == 0) return record.id + " / " + alias;
  }
  return record.id;
}

void CheckVulnerabilities(const VulnerabilityRules& rules,
                          const SbomPackage& package,
                          std::vector<Violation>* out) {
  SbomPackageIds ids;
  ids.version_info = package.version_info;
  for (const std::string& text : package.purls) {
    if (auto purl = ParsePackageUrl(text); purl.ok()) {
      ids.purls.push_back(*purl);
    }
  }
  for (const std::string& text : package.cpes) {
    if (auto cpe = ParseCpe23(text); cpe.ok()) ids.cpes.push_back(*cpe);
  }
  for (const VulnerabilityMatch& match :
       MatchVulnerabilities(ids, rules.records)) {
    const SeverityAssessment severity =
        AssessSeverity(*match.record, match.affected);
    const bool refused = severity.level ? *severity.level >= rules.threshold
                                        : rules.refuse_unknown_severity;
    if (!refused) continue;
    std::string detail =
        RecordName(*match.record) + " (" + severity.text + ") ";
    if (match.undecidable) {
      detail += "names " + match.what + " but cannot be compared with it (" +
                match.why_undecidable + "); refused until someone checks it";
    } else {
      detail +=
          "affects " + match.what + ", " +
          (match.fixed.empty() ? "no fix recorded" : "fixed in " + match.fixed);
    }
    out->push_back({"vulnerability", package.subject, detail});
  }
}

}  // namespace

std::vector<Violation> CheckSbom(const Policy& policy,
                                 const nlohmann::json& spdx) {
  std::vector<Violation> out;
  if (!policy.licenses && !policy.vulnerabilities) return out;
  const auto packages = ReadSbomPackages(spdx);
  if (!packages) {
    const std::string rule = policy.licenses ? "license" : "vulnerability";
    out.push_back({rule, "",
                   "the SBOM is not an SPDX JSON document with a packages "
                   "array, so nothing in it can be checked"});
    return out;
  }
  for (const SbomPackage& package : *packages) {
    if (policy.licenses) CheckLicense(*policy.licenses, package, &out);
    if (policy.vulnerabilities) {
      CheckVulnerabilities(*policy.vulnerabilities, package, &out);
    }
  }
  return out;
}

}  // namespace staticship::policy
