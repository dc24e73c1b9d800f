#include "release/policy/package_id.h"

#include <set>
#include <vector>

#include "common/base/strings.h"

namespace staticship::policy {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::string> PercentDecode(std::string_view text,
                                  std::string_view what) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    const int hi = i + 2 < text.size() ? HexValue(text[i + 1]) : -1;
    const int lo = i + 2 < text.size() ? HexValue(text[i + 2]) : -1;
    if (hi < 0 || lo < 0) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "bad percent-encoding in the " + std::string(what));
    }
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

// purl-spec's character set for unencoded parts; everything else is
// percent-encoded in the canonical form.
bool CaseInsensitiveType(std::string_view type) {
  static const std::set<std::string_view> kTypes = {
      "deb", "github", "bitbucket", "gitlab", "pypi", "apk"};
  return kTypes.count(type) > 0;
}

}  // namespace

std::string PackageUrl::Identity() const {
  return type + "/" + (namespace_.empty() ? "" : namespace_ + "/") + name;
}

std::string PackageUrl::Canonical() const {
  std::string out = "pkg:" + type + "/";
  if (!namespace_.empty()) out += PercentEncode(namespace_, true) + "/";
  out += PercentEncode(name, false);
  if (!version.empty()) out += "@" + PercentEncode(version, false);
  char sep = '?';
  for (const auto& [key, value] : qualifiers) {
    out += sep + key + "=" + PercentEncode(value, false);
    sep = '&';
  }
  if (!subpath.empty()) out += "#" + PercentEncode(subpath, true);
  return out;
}

Result<PackageUrl> ParsePackageUrl(std::string_view text) {
  const std::string quoted = "package URL '" + std::string(text) + "'";
  auto fail = [&](const std::string& why) {
    return MakeError(ErrorCode::kInvalidArgument, quoted + ": " + why);
  };
  if (text.size() < 4 || AsciiLower(text.substr(0, 4)) != "pkg:") {
    return fail("does not start with pkg:");
  }
  std::string_view rest = text.substr(4);
  while (!rest.empty() && rest[0] == '/') rest.remove_prefix(1);
  PackageUrl purl;
  if (const size_t hash = rest.find('#'); hash != std::string_view::npos) {
    auto sub = PercentDecode(Trim(rest.substr(hash + 1), "/"), "subpath");
    if (!sub.ok()) return fail(sub.message());
    purl.subpath = *sub;
    rest = rest.substr(0, hash);
  }
  if (const size_t q = rest.find('?'); q != std::string_view::npos) {
    std::string_view qs = rest.substr(q + 1);
    rest = rest.substr(0, q);
    while (!qs.empty()) {
      const size_t amp = qs.find('&');
      const std::string_view pair = qs.substr(0, amp);
      const size_t eq = pair.find('=');
      if (eq == std::string_view::npos || eq == 0) {
        return fail("qualifier '" + std::string(pair) + "' is not key=value");
      }
      auto value = PercentDecode(pair.substr(eq + 1), "qualifiers");
      if (!value.ok()) return fail(value.message());
      if (!value->empty()) {
        purl.qualifiers[AsciiLower(pair.substr(0, eq))] = *value;
      }
      if (amp == std::string_view::npos) break;
      qs = qs.substr(amp + 1);
    }
  }
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0) {
    return fail("has no type/name");
  }
  purl.type = AsciiLower(rest.substr(0, slash));
  rest = Trim(rest.substr(slash + 1), "/");
  if (const size_t at = rest.rfind('@'); at != std::string_view::npos) {
    auto version = PercentDecode(rest.substr(at + 1), "version");
    if (!version.ok()) return fail(version.message());
    purl.version = *version;
    rest = rest.substr(0, at);
  }
  std::vector<std::string> segments;
  while (!rest.empty()) {
    const size_t s = rest.find('/');
    const std::string_view segment = rest.substr(0, s);
    if (!segment.empty()) {
      auto decoded = PercentDecode(segment, "name");
      if (!decoded.ok()) return fail(decoded.message());
      segments.push_back(*decoded);
    }
    if (s == std::string_view::npos) break;
    rest = rest.substr(s + 1);
  }
  if (segments.empty()) return fail("has no name");
  purl.name = segments.back();
  segments.pop_back();
  for (const std::string& segment : segments) {
    purl.namespace_ += (purl.namespace_.empty() ? "" : "/") + segment;
  }
  if (CaseInsensitiveType(purl.type)) {
    purl.namespace_ = AsciiLower(purl.namespace_);
    purl.name = AsciiLower(purl.name);
  }
  return purl;
}

Result<Cpe> ParseCpe23(std::string_view text) {
  const std::string quoted = "CPE '" + std::string(text) + "'";
  if (text.substr(0, 8) != "cpe:2.3:") {
    return MakeError(ErrorCode::kInvalidArgument,
                     quoted + ": does not start with cpe:2.3:");
  }
  std::vector<std::string> fields;
  std::string field;
  for (size_t i = 8; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      field += text[++i];
    } else if (text[i] == ':') {
      fields.push_back(AsciiLower(field));
      field.clear();
    } else {
      field += text[i];
    }
  }
  fields.push_back(AsciiLower(field));
  if (fields.size() < 4) {
    return MakeError(ErrorCode::kInvalidArgument,
                     quoted + ": needs part, vendor, product and version");
  }
  return Cpe{fields[0], fields[1], fields[2], fields[3]};
}

}  // namespace staticship::policy
