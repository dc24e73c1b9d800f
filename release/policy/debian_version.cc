#include "release/policy/debian_version.h"

#include <limits>

namespace staticship::policy {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// The character at `i`, or '\0' past the end: verrevcmp walks both strings
// as if NUL-terminated.
char At(std::string_view s, size_t i) { return i < s.size() ? s[i] : '\0'; }

// dpkg's order(): digits 0 (they are compared as numbers elsewhere), letters
// by their code, '~' below everything including the end, others after
// letters.
int Order(char c) {
  if (IsDigit(c)) return 0;
  if (IsAlpha(c)) return static_cast<unsigned char>(c);
  if (c == '~') return -1;
  if (c != '\0') return static_cast<unsigned char>(c) + 256;
  return 0;
}

int VerRevCmp(std::string_view a, std::string_view b) {
  size_t i = 0;
  size_t j = 0;
  while (i < a.size() || j < b.size()) {
    int first_diff = 0;
    while ((i < a.size() && !IsDigit(a[i])) ||
           (j < b.size() && !IsDigit(b[j]))) {
      const int ac = Order(At(a, i));
      const int bc = Order(At(b, j));
      if (ac != bc) return ac - bc;
      ++i;
      ++j;
    }
    while (At(a, i) == '0') ++i;
    while (At(b, j) == '0') ++j;
    while (IsDigit(At(a, i)) && IsDigit(At(b, j))) {
      if (first_diff == 0) first_diff = At(a, i) - At(b, j);
      ++i;
      ++j;
    }
    if (IsDigit(At(a, i))) return 1;
    if (IsDigit(At(b, j))) return -1;
    if (first_diff != 0) return first_diff;
  }
  return 0;
}

}  // namespace

Result<DebianVersion> ParseDebianVersion(std::string_view text) {
  const std::string quoted = "Debian version '" + std::string(text) + "'";
  auto fail = [&](const std::string& why) {
    return MakeError(ErrorCode::kInvalidArgument, quoted + ": " + why);
  };
  if (text.empty()) return fail("is empty");
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n') return fail("contains blanks");
  }
  DebianVersion v;
  std::string_view rest = text;
  const size_t colon = rest.find(':');
  if (colon != std::string_view::npos) {
    const std::string_view epoch = rest.substr(0, colon);
    if (epoch.empty()) return fail("epoch is empty");
    unsigned long value = 0;
    for (char c : epoch) {
      if (!IsDigit(c)) return fail("epoch is not a number");
      value = value * 10 + static_cast<unsigned>(c - '0');
      if (value > std::numeric_limits<int>::max()) {
        return fail("epoch is too big");
      }
    }
    v.epoch = static_cast<unsigned>(value);
    rest = rest.substr(colon + 1);
    if (rest.empty()) return fail("nothing after the epoch's colon");
  }
  const size_t hyphen = rest.rfind('-');
  if (hyphen != std::string_view::npos) {
    v.revision = std::string(rest.substr(hyphen + 1));
    rest = rest.substr(0, hyphen);
    if (v.revision.empty()) return fail("revision is empty");
  }
  v.upstream = std::string(rest);
  if (v.upstream.empty()) return fail("upstream version is empty");
  if (!IsDigit(v.upstream[0])) {
    return fail("upstream version does not start with a digit");
  }
  for (char c : v.upstream) {
    const bool ok = IsDigit(c) || IsAlpha(c) || c == '.' || c == '+' ||
                    c == '~' || c == '-' ||
                    (c == ':' && colon != std::string_view::npos);
    if (!ok)
      return fail(std::string("invalid character '") + c +
                  "' in the upstream version");
  }
  for (char c : v.revision) {
    const bool ok =
        IsDigit(c) || IsAlpha(c) || c == '.' || c == '+' || c == '~';
    if (!ok)
      return fail(std::string("invalid character '") + c + "' in the revision");
  }
  return v;
}

int CompareDebianVersions(const DebianVersion& a, const DebianVersion& b) {
  if (a.epoch != b.epoch) return a.epoch < b.epoch ? -1 : 1;
  const int upstream = VerRevCmp(a.upstream, b.upstream);
  if (upstream != 0) return upstream;
  return VerRevCmp(a.revision, b.revision);
}

}  // namespace staticship::policy
