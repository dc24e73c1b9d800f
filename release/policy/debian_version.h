// Debian package versions ordered exactly as dpkg orders them
// (deb-version(5); dpkg's lib/dpkg/version.c), so a feed's "fixed in
// 1:1.2.11.dfsg-4.1" compares against what the SBOM says we ship.
#ifndef STATICSHIP_RELEASE_POLICY_DEBIAN_VERSION_H_
#define STATICSHIP_RELEASE_POLICY_DEBIAN_VERSION_H_

#include <string>
#include <string_view>

#include "common/base/result.h"

namespace staticship::policy {

struct DebianVersion {
  unsigned epoch = 0;    // absent = 0
  std::string upstream;  // "1.2.13.dfsg"
  std::string revision;  // "1"; empty when the version has no '-'
};

// [epoch:]upstream[-revision]. The revision is after the last '-'; an
// upstream version must start with a digit and use only alphanumerics and
// . + ~ - : (':' only with an epoch); a revision only alphanumerics and
// + . ~. Anything else is an error: comparing a malformed version would
// give an order dpkg never uses.
Result<DebianVersion> ParseDebianVersion(std::string_view text);

// <0, 0, >0 as dpkg --compare-versions: epochs numerically, then upstream
// and revision by dpkg's verrevcmp (non-digit runs by character order in
// which '~' sorts before the end of the string and letters before other
// characters, digit runs numerically).
int CompareDebianVersions(const DebianVersion& a, const DebianVersion& b);

}  // namespace staticship::policy

#endif  // STATICSHIP_RELEASE_POLICY_DEBIAN_VERSION_H_
