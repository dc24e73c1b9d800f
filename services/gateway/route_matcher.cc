#include "services/gateway/route_matcher.h"

#include <algorithm>

namespace staticship::gateway {
namespace {

int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool PathMatches(const RouteConfig& route, std::string_view path) {
  if (route.path_regex) return route.path_regex->FullMatch(path);
  if (!route.prefix) return path == route.path;
  // route.path ends with '/': "/a/" matches "/a", "/a/" and "/a/..."
  std::string_view base(route.path);
  if (path.substr(0, base.size()) == base) return true;
  return path == base.substr(0, base.size() - 1);
}

bool ValueMatches(const ValueMatcher& m, std::string_view value) {
  return m.regex ? m.regex->FullMatch(value) : value == m.exact;
}

}  // namespace

std::string DecodeQueryComponent(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size() && Hex(s[i + 1]) >= 0 &&
               Hex(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(Hex(s[i + 1]) * 16 + Hex(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::optional<std::string> QueryValue(std::string_view query,
                                      std::string_view key) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    size_t eq = pair.find('=');
    std::string k = DecodeQueryComponent(pair.substr(0, eq));
    if (k == key) {
      if (eq == std::string_view::npos) return std::string();
      return DecodeQueryComponent(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

bool RouteMatches(const RouteConfig& route, const http::Request& request) {
  if (!PathMatches(route, request.path)) return false;
  if (!route.methods.empty() &&
      std::find(route.methods.begin(), route.methods.end(), request.method) ==
          route.methods.end()) {
    return false;
  }
  for (const ValueMatcher& m : route.headers) {
    const std::string* got = request.headers.Get(m.name);
    if (got == nullptr || !ValueMatches(m, *got)) return false;
  }
  for (const ValueMatcher& m : route.query) {
    std::optional<std::string> got = QueryValue(request.query, m.name);
    if (!got || !ValueMatches(m, *got)) return false;
  }
  return true;
}

std::optional<size_t> MatchRoute(const std::vector<RouteConfig>& routes,
                                 const http::Request& request) {
  for (size_t i = 0; i < routes.size(); ++i) {
    if (RouteMatches(routes[i], request)) return i;
  }
  return std::nullopt;
}

}  // namespace staticship::gateway
