#include "release/policy/semver.h"

#include <algorithm>
#include <limits>

namespace staticship::policy {
namespace {

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool IdentifierChars(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                    (c >= 'A' && c <= 'Z') || c == '-';
    if (!ok) return false;
  }
  return true;
}

// Digits-only identifiers compare as numbers; leading zeros are dropped so
// that the comparison needs no integer that could overflow.
int CompareNumeric(std::string_view a, std::string_view b) {
  while (a.size() > 1 && a[0] == '0') a.remove_prefix(1);
  while (b.size() > 1 && b[0] == '0') b.remove_prefix(1);
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  return a.compare(b) < 0 ? -1 : (a == b ? 0 : 1);
}

}  // namespace

Result<SemVer> ParseSemVer(std::string_view text) {
  const std::string quoted = "semantic version '" + std::string(text) + "'";
  auto fail = [&](const std::string& why) {
    return MakeError(ErrorCode::kInvalidArgument, quoted + ": " + why);
  };
  std::string_view rest = text;
  if (!rest.empty() && rest[0] == 'v') rest.remove_prefix(1);
  const size_t plus = rest.find('+');
  if (plus != std::string_view::npos) {
    std::string_view build = rest.substr(plus + 1);
    rest = rest.substr(0, plus);
    while (true) {
      const size_t dot = build.find('.');
      if (!IdentifierChars(build.substr(0, dot))) {
        return fail("invalid build metadata");
      }
      if (dot == std::string_view::npos) break;
      build = build.substr(dot + 1);
    }
  }
  SemVer v;
  const size_t hyphen = rest.find('-');
  if (hyphen != std::string_view::npos) {
    std::string_view pre = rest.substr(hyphen + 1);
    rest = rest.substr(0, hyphen);
    while (true) {
      const size_t dot = pre.find('.');
      const std::string_view id = pre.substr(0, dot);
      if (!IdentifierChars(id)) return fail("invalid pre-release identifier");
      v.prerelease.emplace_back(id);
      if (dot == std::string_view::npos) break;
      pre = pre.substr(dot + 1);
    }
  }
  uint64_t* fields[] = {&v.major, &v.minor, &v.patch};
  int index = 0;
  while (true) {
    if (index == 3) return fail("more than three numeric fields");
    const size_t dot = rest.find('.');
    const std::string_view number = rest.substr(0, dot);
    if (!AllDigits(number))
      return fail("'" + std::string(number) + "' is not a number");
    uint64_t value = 0;
    for (char c : number) {
      const uint64_t digit = static_cast<uint64_t>(c - '0');
      if (value > (std::numeric_limits<uint64_t>::max() - digit) / 10) {
        return fail("number too large");
      }
      value = value * 10 + digit;
    }
    *fields[index++] = value;
    if (dot == std::string_view::npos) break;
    rest = rest.substr(dot + 1);
  }
  return v;
}

int CompareSemVer(const SemVer& a, const SemVer& b) {
  if (a.major != b.major) return a.major < b.major ? -1 : 1;
  if (a.minor != b.minor) return a.minor < b.minor ? -1 : 1;
  if (a.patch != b.patch) return a.patch < b.patch ? -1 : 1;
  if (a.prerelease.empty() != b.prerelease.empty()) {
    return a.prerelease.empty() ? 1 : -1;
  }
  const size_t n = std::min(a.prerelease.size(), b.prerelease.size());
  for (size_t i = 0; i < n; ++i) {
    const std::string& x = a.prerelease[i];
    const std::string& y = b.prerelease[i];
    const bool xn = AllDigits(x);
    const bool yn = AllDigits(y);
    int c = 0;
    if (xn && yn) {
      c = CompareNumeric(x, y);
    } else if (xn != yn) {
      c = xn ? -1 : 1;
    } else {
      c = x.compare(y) < 0 ? -1 : (x == y ? 0 : 1);
    }
    if (c != 0) return c;
  }
  if (a.prerelease.size() != b.prerelease.size()) {
    return a.prerelease.size() < b.prerelease.size() ? -1 : 1;
  }
  return 0;
}

}  // namespace staticship::policy
