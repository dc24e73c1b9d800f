#include "release/registry/url.h"

#include <charconv>

namespace staticship::registry {

std::string Url::Authority() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return h + ":" + std::to_string(port);
}

std::string Url::ToString() const {
  return scheme + "://" + Authority() + target;
}

Result<Url> ParseUrl(std::string_view text) {
  Url url;
  size_t sep = text.find("://");
  if (sep == std::string_view::npos) {
    return MakeError("not an absolute URL: " + std::string(text));
  }
  url.scheme = std::string(text.substr(0, sep));
  if (url.scheme != "http" && url.scheme != "https") {
    return MakeError("unsupported URL scheme: " + url.scheme);
  }
  std::string_view rest = text.substr(sep + 3);
  size_t slash = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, slash);
  url.target =
      slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (url.target[0] == '?') url.target.insert(0, "/");
  if (authority.find('@') != std::string_view::npos) {
    // Userinfo in a URL would put credentials where logs can see them.
    return MakeError("URLs with user information are not accepted");
  }
  std::string_view port_text;
  if (!authority.empty() && authority[0] == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos)
      return MakeError("bad IPv6 host in URL");
    url.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return MakeError("bad URL authority");
      port_text = after.substr(1);
    }
  } else {
    size_t colon = authority.rfind(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos)
      port_text = authority.substr(colon + 1);
  }
  if (url.host.empty()) return MakeError("URL without host");
  if (port_text.empty()) {
    url.port = url.scheme == "https" ? 443 : 80;
  } else {
    auto [ptr, ec] = std::from_chars(
        port_text.data(), port_text.data() + port_text.size(), url.port);
    if (ec != std::errc() || ptr != port_text.data() + port_text.size() ||
        url.port <= 0 || url.port > 65535) {
      return MakeError("bad port in URL");
    }
  }
  return url;
}

Result<Url> ResolveReference(const Url& base, std::string_view location) {
  if (location.empty()) return MakeError("empty Location header");
  if (location.find("://") != std::string_view::npos) return ParseUrl(location);
  Url out = base;
  if (location.starts_with("//")) {
    return ParseUrl(base.scheme + ":" + std::string(location));
  }
  if (location[0] == '/') {
    out.target = std::string(location);
    return out;
  }
  std::string_view base_path = base.target;
  base_path = base_path.substr(0, base_path.find('?'));
  size_t last = base_path.rfind('/');
  std::string dir(
      base_path.substr(0, last == std::string_view::npos ? 0 : last + 1));
  if (dir.empty()) dir = "/";
  if (location[0] == '?') {
    out.target = std::string(base_path) + std::string(location);
  } else {
    out.target = dir + std::string(location);
  }
  return out;
}

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
        c == '~' || c == ':') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string AppendQuery(std::string_view target, std::string_view name,
                        std::string_view value) {
  std::string out(target);
  size_t q = out.find('?');
  if (q == std::string::npos) {
    out += '?';
  } else if (q + 1 != out.size() && out.back() != '&') {
    out += '&';
  }
  out += std::string(name) + "=" + PercentEncode(value);
  return out;
}

}  // namespace staticship::registry
