// Vulnerability records in the OSV schema (ossf.github.io/osv-schema, 1.6),
// read from a file or a directory the user supplies: only the fields the
// policy evaluates, each checked for its type, so a malformed feed is an
// error naming its file instead of a record silently skipped.
#ifndef STATICSHIP_RELEASE_POLICY_OSV_H_
#define STATICSHIP_RELEASE_POLICY_OSV_H_

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"

namespace staticship::policy {

struct OsvEvent {
  enum class Kind { kIntroduced, kFixed, kLastAffected, kLimit };
  Kind kind = Kind::kIntroduced;
  std::string version;
};

struct OsvRange {
  std::string type;  // SEMVER, ECOSYSTEM or GIT
  std::vector<OsvEvent> events;
};

struct OsvSeverity {
  std::string type;   // CVSS_V3, CVSS_V4, CVSS_V2, Ubuntu, ...
  std::string score;  // a vector, or a word for Ubuntu
};

struct OsvAffected {
  std::string ecosystem;  // "Debian:12"
  std::string name;
  std::string purl;  // without version; empty when the record gives none
  std::vector<OsvRange> ranges;
  std::vector<std::string> versions;
  std::vector<OsvSeverity> severity;
  // CPE 2.3 names from package.cpe/cpes and database_specific.cpe/cpes.
  std::vector<std::string> cpes;
  std::string database_severity;  // database_specific.severity
};

struct OsvRecord {
  std::string id;
  std::vector<std::string> aliases;
  std::string summary;
  bool withdrawn = false;
  std::vector<OsvAffected> affected;
  std::vector<OsvSeverity> severity;
  std::vector<std::string> cpes;  // database_specific.cpe/cpes
  std::string database_severity;  // database_specific.severity
  std::string source;             // the file it was read from
};

// One record (a JSON object) or several (an array of them). `source` names
// the text in errors and in each record.
Result<std::vector<OsvRecord>> ParseOsvJson(std::string_view json,
                                            const std::string& source);

// A .json file, or every *.json file directly in a directory (sorted by
// name, so the order of violations never depends on the file system). An
// empty directory is an error: a feed that went missing must not read as
// "no vulnerabilities".
Result<std::vector<OsvRecord>> LoadOsvFeed(const std::filesystem::path& path);

}  // namespace staticship::policy

#endif  // STATICSHIP_RELEASE_POLICY_OSV_H_
