// Semantic Versioning 2.0.0 precedence (semver.org, section 11), for OSV
// ranges of type SEMVER and ecosystems whose versions are semantic.
#ifndef STATICSHIP_RELEASE_POLICY_SEMVER_H_
#define STATICSHIP_RELEASE_POLICY_SEMVER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"

namespace staticship::policy {

struct SemVer {
  uint64_t major = 0;
  uint64_t minor = 0;
  uint64_t patch = 0;
  std::vector<std::string> prerelease;  // dot-separated identifiers
};

// MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]. Feeds are not always strict, so a
// leading "v" (Go) is dropped and MINOR and PATCH may be missing (read as
// 0), as osv.dev normalises them. Identifiers must be non-empty
// [0-9A-Za-z-]; the build is parsed and ignored.
Result<SemVer> ParseSemVer(std::string_view text);

// <0, 0, >0 by precedence: numbers numerically, a pre-release below its
// release, pre-release identifiers numeric-before-alphanumeric and field by
// field, a shorter list first when equal so far.
int CompareSemVer(const SemVer& a, const SemVer& b);

}  // namespace staticship::policy

#endif  // STATICSHIP_RELEASE_POLICY_SEMVER_H_
