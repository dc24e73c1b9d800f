#include "services/gateway/config.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdlib>
#include <set>
#include <sstream>

#include "common/base/file.h"
#include "common/base/strings.h"

namespace staticship::gateway {
namespace {

// yaml-cpp reports problems by throwing; so do the checks below, and
// ParseConfig turns every one of them into an error value at one place.
struct ConfigError {
  int line;  // 1-based; 0 when unknown
  std::string what;
};

int LineOf(const YAML::Node& node) {
  YAML::Mark m = node.Mark();
  return m.line >= 0 ? m.line + 1 : 0;
}

[[noreturn]] void Fail(const YAML::Node& node, std::string what) {
  throw ConfigError{LineOf(node), std::move(what)};
}

void CheckKeys(const YAML::Node& map, std::string_view where,
               const std::set<std::string>& allowed) {
  if (!map.IsMap()) Fail(map, std::string(where) + " must be a mapping");
  for (const auto& kv : map) {
    std::string key = kv.first.as<std::string>();
    if (!allowed.count(key)) {
      Fail(kv.first, "unknown key '" + key + "' in " + std::string(where));
    }
  }
}

std::string Scalar(const YAML::Node& node, std::string_view what) {
  if (!node.IsScalar()) Fail(node, std::string(what) + " must be a scalar");
  return node.Scalar();
}

int64_t Integer(const YAML::Node& node, std::string_view what, int64_t min,
                int64_t max) {
  std::string s = Scalar(node, what);
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || errno != 0 || v < min || v > max) {
    Fail(node, std::string(what) + " must be an integer in [" +
                   std::to_string(min) + ", " + std::to_string(max) +
                   "], got '" + s + "'");
  }
  return v;
}

double Number(const YAML::Node& node, std::string_view what, double min,
              double max) {
  std::string s = Scalar(node, what);
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0' || !std::isfinite(v) || v < min || v > max) {
    std::ostringstream range;
    range << "[" << min << ", " << max << "]";
    Fail(node, std::string(what) + " must be a number in " + range.str() +
                   ", got '" + s + "'");
  }
  return v;
}

bool Boolean(const YAML::Node& node, std::string_view what) {
  std::string s = Scalar(node, what);
  if (s == "true" || s == "on" || s == "yes") return true;
  if (s == "false" || s == "off" || s == "no") return false;
  Fail(node, std::string(what) + " must be true or false");
}

Millis Duration(const YAML::Node& node, std::string_view what) {
  Result<Millis> d = ParseDuration(Scalar(node, what));
  if (!d.ok()) Fail(node, std::string(what) + ": " + d.message());
  return *d;
}

Endpoint HostPort(const YAML::Node& node, std::string_view what) {
  Result<Endpoint> e = ParseHostPort(Scalar(node, what));
  if (!e.ok()) Fail(node, std::string(what) + ": " + e.message());
  return *e;
}

// Compiled here, once per load: a bad pattern refuses the whole file (and
// a reload keeps the old config), and no request ever compiles one.
Regex CompileRegex(const YAML::Node& node, std::string_view what) {
  std::string pattern = Scalar(node, what);
  Result<Regex> re = Regex::Compile(pattern);
  if (!re.ok()) {
    Fail(node, std::string(what) + " '" + pattern +
                   "' is not a valid RE2 regex: " + re.message());
  }
  return std::move(*re);
}

// The value side of a header or query condition: a plain value (exact) or
// {exact: V} or {regex: R}.
void ParseValueMatch(const YAML::Node& node, std::string_view what,
                     ValueMatcher* m) {
  if (!node.IsMap()) {
    m->exact = Scalar(node, what);
    return;
  }
  if (static_cast<bool>(node["exact"]) == static_cast<bool>(node["regex"])) {
    Fail(node, std::string(what) + " '" + m->name +
                   "' needs exactly one of 'exact' or 'regex'");
  }
  if (node["exact"]) m->exact = Scalar(node["exact"], what);
  if (node["regex"]) {
    m->regex = CompileRegex(node["regex"],
                            std::string(what) + " '" + m->name + "' regex");
  }
}

// `headers:` and `query:` take a mapping of name to value condition
// ({x-env: canary, x-tenant: {regex: "a-.*"}}) or, as Envoy writes them, a
// list of {name: N, exact: V} / {name: N, regex: R}.
std::vector<ValueMatcher> ParseValueMatchers(const YAML::Node& node,
                                             std::string_view what,
                                             bool lower_names) {
  std::vector<ValueMatcher> out;
  auto name_of = [&](const YAML::Node& n) {
    std::string name = Scalar(n, std::string(what) + " name");
    if (name.empty()) Fail(n, "empty name in " + std::string(what));
    return lower_names ? AsciiLower(name) : name;
  };
  if (node.IsMap()) {
    for (const auto& kv : node) {
      ValueMatcher m;
      m.name = name_of(kv.first);
      if (kv.second.IsMap()) CheckKeys(kv.second, what, {"exact", "regex"});
      ParseValueMatch(kv.second, what, &m);
      out.push_back(std::move(m));
    }
    return out;
  }
  if (!node.IsSequence()) {
    Fail(node, std::string(what) +
                   " must be a mapping of name to value or a list of "
                   "{name, exact|regex}");
  }
  for (const auto& item : node) {
    CheckKeys(item, what, {"name", "exact", "regex"});
    if (!item["name"]) Fail(item, std::string(what) + " entry without 'name'");
    ValueMatcher m;
    m.name = name_of(item["name"]);
    ParseValueMatch(item, what, &m);
    out.push_back(std::move(m));
  }
  return out;
}

BreakerConfig ParseBreaker(const YAML::Node& node, BreakerConfig b) {
  CheckKeys(node, "breaker",
            {"error_ratio", "window", "min_requests", "open_for",
             "half_open_probes"});
  if (node["error_ratio"]) {
    b.error_ratio = Number(node["error_ratio"], "breaker.error_ratio", 0, 1);
  }
  if (node["window"]) b.window = Duration(node["window"], "breaker.window");
  if (node["min_requests"]) {
    b.min_requests = static_cast<uint32_t>(
        Integer(node["min_requests"], "breaker.min_requests", 1, 1000000));
  }
  if (node["open_for"])
    b.open_for = Duration(node["open_for"], "breaker.open_for");
  if (node["half_open_probes"]) {
    b.half_open_probes = static_cast<uint32_t>(
        Integer(node["half_open_probes"], "breaker.half_open_probes", 1, 1000));
  }
  if (b.window.count() < 10) Fail(node, "breaker.window must be at least 10ms");
  return b;
}

// "HOST:PORT" or {address: HOST:PORT, weight: N}.
Endpoint ParseEndpoint(const YAML::Node& node) {
  if (!node.IsMap()) return HostPort(node, "endpoint");
  CheckKeys(node, "endpoint", {"address", "weight"});
  if (!node["address"]) Fail(node, "endpoint without 'address'");
  Endpoint e = HostPort(node["address"], "endpoint address");
  if (node["weight"]) {
    e.weight = static_cast<int>(Integer(node["weight"], "weight", 1, 1000));
  }
  return e;
}

HealthCheckConfig ParseHealthCheck(const YAML::Node& node) {
  CheckKeys(node, "health_check",
            {"path", "interval", "timeout", "healthy_threshold",
             "unhealthy_threshold"});
  HealthCheckConfig h;
  if (node["path"]) {
    h.path = Scalar(node["path"], "health_check.path");
    if (h.path.empty() || h.path.front() != '/') {
      Fail(node["path"],
           "health_check.path must start with '/', got '" + h.path + "'");
    }
  }
  if (node["interval"]) {
    h.interval = Duration(node["interval"], "health_check.interval");
  }
  if (node["timeout"]) {
    h.timeout = Duration(node["timeout"], "health_check.timeout");
  }
  if (h.interval.count() < 10) {
    Fail(node, "health_check.interval must be at least 10ms");
  }
  if (h.timeout.count() <= 0 || h.timeout > h.interval) {
    Fail(node,
         "health_check.timeout must be positive and at most the interval");
  }
  if (node["healthy_threshold"]) {
    h.healthy_threshold = static_cast<uint32_t>(Integer(
        node["healthy_threshold"], "health_check.healthy_threshold", 1, 100));
  }
  if (node["unhealthy_threshold"]) {
    h.unhealthy_threshold = static_cast<uint32_t>(
        Integer(node["unhealthy_threshold"], "health_check.unhealthy_threshold",
                1, 100));
  }
  return h;
}

void ParseUpstreams(const YAML::Node& node, Config* config) {
  if (!node.IsMap())
    Fail(node, "upstreams must be a mapping of name to upstream");
  for (const auto& kv : node) {
    UpstreamConfig u;
    u.name = Scalar(kv.first, "upstream name");
    if (u.name.empty()) Fail(kv.first, "empty upstream name");
    const YAML::Node& body = kv.second;
    CheckKeys(body, "upstream '" + u.name + "'",
              {"endpoints", "max_idle", "max_connections", "fail_timeout",
               "health_check"});
    const YAML::Node eps = body["endpoints"];
    if (!eps) Fail(body, "upstream '" + u.name + "' has no endpoints");
    if (!eps.IsSequence() || eps.size() == 0) {
      Fail(eps, "endpoints of '" + u.name + "' must be a non-empty list");
    }
    for (const auto& e : eps) u.endpoints.push_back(ParseEndpoint(e));
    if (body["health_check"]) {
      u.health_check = ParseHealthCheck(body["health_check"]);
    }
    if (body["max_idle"]) {
      u.max_idle =
          static_cast<size_t>(Integer(body["max_idle"], "max_idle", 0, 100000));
    }
    if (body["max_connections"]) {
      u.max_connections = static_cast<size_t>(
          Integer(body["max_connections"], "max_connections", 1, 1000000));
    }
    if (body["fail_timeout"]) {
      u.fail_timeout = Duration(body["fail_timeout"], "fail_timeout");
    }
    if (config->upstreams.count(u.name)) {
      Fail(kv.first, "duplicate upstream '" + u.name + "'");
    }
    config->upstreams.emplace(u.name, std::move(u));
  }
}

RouteConfig ParseRoute(const YAML::Node& node, const Config& config) {
  CheckKeys(node, "route",
            {"name", "match", "path_regex", "methods", "headers", "query",
             "dest", "timeout", "fallback", "respond", "breaker",
             "max_in_flight", "rate_limit"});
  RouteConfig r;
  r.line = LineOf(node);
  if (static_cast<bool>(node["match"]) ==
      static_cast<bool>(node["path_regex"])) {
    Fail(node, "route needs exactly one of 'match' or 'path_regex'");
  }
  if (node["path_regex"]) {
    r.path_regex = CompileRegex(node["path_regex"], "path_regex");
    if (r.path_regex->pattern().empty()) {
      Fail(node["path_regex"], "path_regex must not be empty");
    }
  } else {
    r.match = Scalar(node["match"], "match");
    if (r.match.empty() || r.match.front() != '/') {
      Fail(node["match"], "match must start with '/', got '" + r.match + "'");
    }
    size_t star = r.match.find('*');
    if (star != std::string::npos) {
      if (star != r.match.size() - 1 || r.match.size() < 2 ||
          r.match[star - 1] != '/') {
        Fail(node["match"],
             "'*' is only allowed as a final '/*' (prefix match): '" + r.match +
                 "'");
      }
      r.prefix = true;
      r.path = r.match.substr(0, star);  // keeps the trailing '/'
    } else {
      r.path = r.match;
    }
  }
  const std::string& path_spec =
      r.path_regex ? r.path_regex->pattern() : r.match;
  r.name = node["name"] ? Scalar(node["name"], "name") : path_spec;
  if (node["methods"]) {
    const YAML::Node m = node["methods"];
    if (!m.IsSequence()) Fail(m, "methods must be a list");
    for (const auto& x : m) r.methods.push_back(Scalar(x, "method"));
  }
  if (node["headers"]) {
    r.headers = ParseValueMatchers(node["headers"], "headers", true);
  }
  if (node["query"]) {
    r.query = ParseValueMatchers(node["query"], "query", false);
  }
  if (node["timeout"]) r.timeout = Duration(node["timeout"], "timeout");
  if (r.timeout.count() <= 0) Fail(node["timeout"], "timeout must be positive");
  if (node["fallback"]) r.fallback = Scalar(node["fallback"], "fallback");
  r.breaker = config.breaker;
  if (node["breaker"]) r.breaker = ParseBreaker(node["breaker"], r.breaker);
  if (node["max_in_flight"]) {
    r.max_in_flight = static_cast<size_t>(
        Integer(node["max_in_flight"], "max_in_flight", 1, 10000000));
  }
  if (node["rate_limit"]) {
    const YAML::Node rl = node["rate_limit"];
    CheckKeys(rl, "rate_limit", {"qps", "burst"});
    if (!rl["qps"]) Fail(rl, "rate_limit without 'qps'");
    RateLimitConfig limit;
    limit.qps = Number(rl["qps"], "rate_limit.qps", 0, 1e9);
    if (limit.qps <= 0) Fail(rl["qps"], "rate_limit.qps must be positive");
    limit.burst = limit.qps < 1 ? 1 : limit.qps;
    if (rl["burst"])
      limit.burst = Number(rl["burst"], "rate_limit.burst", 1, 1e9);
    r.rate_limit = limit;
  }

  bool has_dest = static_cast<bool>(node["dest"]);
  bool has_respond = static_cast<bool>(node["respond"]);
  if (has_dest == has_respond) {
    Fail(node,
         "route '" + path_spec + "' needs exactly one of 'dest' or 'respond'");
  }
  if (has_respond) {
    const YAML::Node resp = node["respond"];
    CheckKeys(resp, "respond", {"status", "body", "content_type"});
    RespondConfig rc;
    if (resp["status"]) {
      rc.status = static_cast<int>(Integer(resp["status"], "status", 100, 599));
    }
    if (resp["body"]) rc.body = Scalar(resp["body"], "body");
    if (resp["content_type"]) {
      rc.content_type = Scalar(resp["content_type"], "content_type");
    }
    r.respond = std::move(rc);
  } else {
    r.dest = Scalar(node["dest"], "dest");
    if (!config.upstreams.count(r.dest)) {
      Result<Endpoint> e = ParseHostPort(r.dest);
      if (!e.ok()) {
        Fail(node["dest"],
             "dest '" + r.dest + "' is neither an upstream name nor HOST:PORT");
      }
    }
  }
  return r;
}

void ParseLimits(const YAML::Node& node, LimitsConfig* l) {
  CheckKeys(node, "limits",
            {"qps", "burst", "max_connections", "max_header_bytes",
             "max_body_bytes", "header_timeout", "idle_timeout"});
  if (node["qps"]) l->qps = Number(node["qps"], "limits.qps", 0, 1e9);
  if (node["burst"]) l->burst = Number(node["burst"], "limits.burst", 0, 1e9);
  if (node["max_connections"]) {
    l->max_connections = static_cast<size_t>(Integer(
        node["max_connections"], "limits.max_connections", 1, 10000000));
  }
  if (node["max_header_bytes"]) {
    l->max_header_bytes = static_cast<size_t>(Integer(
        node["max_header_bytes"], "limits.max_header_bytes", 256, 16 << 20));
  }
  if (node["max_body_bytes"]) {
    l->max_body_bytes = static_cast<size_t>(Integer(
        node["max_body_bytes"], "limits.max_body_bytes", 0, int64_t{1} << 34));
  }
  if (node["header_timeout"]) {
    l->header_timeout =
        Duration(node["header_timeout"], "limits.header_timeout");
  }
  if (node["idle_timeout"]) {
    l->idle_timeout = Duration(node["idle_timeout"], "limits.idle_timeout");
  }
}

Config ParseRoot(const YAML::Node& root, std::string_view source) {
  Config c;
  c.source = std::string(source);
  if (!root.IsMap()) Fail(root, "the configuration must be a mapping");
  CheckKeys(root, "the configuration",
            {"listen", "workers", "listener", "upstreams", "routes", "breaker",
             "limits", "gzip", "access_log", "drain_timeout"});
  if (root["listen"]) {
    Endpoint e = HostPort(root["listen"], "listen");
    c.listen_host = e.host;
    c.listen_port = e.port;
  }
  if (root["workers"]) {
    c.workers = static_cast<int>(Integer(root["workers"], "workers", 1, 256));
  }
  if (root["listener"]) {
    const std::string mode = Scalar(root["listener"], "listener");
    if (mode != "shared" && mode != "reuseport") {
      Fail(root["listener"],
           "listener must be shared or reuseport, not '" + mode + "'");
    }
    c.shared_listener = mode == "shared";
  }
  if (root["breaker"]) c.breaker = ParseBreaker(root["breaker"], c.breaker);
  if (root["limits"]) ParseLimits(root["limits"], &c.limits);
  if (root["gzip"]) {
    const YAML::Node g = root["gzip"];
    CheckKeys(g, "gzip", {"enabled", "min_bytes", "level"});
    if (g["enabled"]) c.gzip.enabled = Boolean(g["enabled"], "gzip.enabled");
    if (g["min_bytes"]) {
      c.gzip.min_bytes = static_cast<size_t>(
          Integer(g["min_bytes"], "gzip.min_bytes", 0, int64_t{1} << 30));
    }
    if (g["level"])
      c.gzip.level = static_cast<int>(Integer(g["level"], "gzip.level", 1, 9));
  }
  if (root["access_log"])
    c.access_log = Boolean(root["access_log"], "access_log");
  if (root["drain_timeout"]) {
    c.drain_timeout = Duration(root["drain_timeout"], "drain_timeout");
  }
  if (root["upstreams"]) ParseUpstreams(root["upstreams"], &c);
  if (root["routes"]) {
    const YAML::Node routes = root["routes"];
    if (!routes.IsSequence()) Fail(routes, "routes must be a list");
    for (const auto& r : routes) c.routes.push_back(ParseRoute(r, c));
  }
  // Fallbacks name a path served by another route of this file.
  for (size_t i = 0; i < c.routes.size(); ++i) {
    RouteConfig& r = c.routes[i];
    if (r.fallback.empty()) continue;
    for (size_t j = 0; j < c.routes.size(); ++j) {
      const RouteConfig& f = c.routes[j];
      bool hit = f.path_regex ? f.path_regex->FullMatch(r.fallback)
                 : f.prefix ? r.fallback.compare(0, f.path.size(), f.path) == 0
                            : r.fallback == f.path;
      if (hit && j != i) {
        r.fallback_route = j;
        break;
      }
    }
    if (!r.fallback_route) {
      throw ConfigError{r.line,
                        "fallback '" + r.fallback + "' matches no other route"};
    }
  }
  // Plain HOST:PORT destinations become single-endpoint upstreams.
  for (RouteConfig& r : c.routes) {
    if (r.respond || c.upstreams.count(r.dest)) continue;
    UpstreamConfig u;
    u.name = r.dest;
    u.endpoints.push_back(*ParseHostPort(r.dest));
    c.upstreams.emplace(u.name, std::move(u));
  }
  return c;
}

}  // namespace

Result<Endpoint> ParseHostPort(std::string_view text) {
  Endpoint e;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() ||
        text[close + 1] != ':') {
      return MakeError("expected [IPV6]:PORT, got '" + std::string(text) + "'");
    }
    e.host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return MakeError("expected HOST:PORT, got '" + std::string(text) + "'");
    }
    e.host = std::string(text.substr(0, colon));
    if (e.host.find(':') != std::string::npos) {
      return MakeError("IPv6 addresses need brackets: '" + std::string(text) +
                       "'");
    }
    port = text.substr(colon + 1);
  }
  if (port.empty() || port.size() > 5) {
    return MakeError("bad port in '" + std::string(text) + "'");
  }
  unsigned v = 0;
  for (char ch : port) {
    if (ch < '0' || ch > '9')
      return MakeError("bad port in '" + std::string(text) + "'");
    v = v * 10 + static_cast<unsigned>(ch - '0');
  }
  if (v > 65535)
    return MakeError("port out of range in '" + std::string(text) + "'");
  e.port = static_cast<uint16_t>(v);
  if (e.host.empty()) e.host = "0.0.0.0";
  return e;
}

Result<Millis> ParseDuration(std::string_view text) {
  size_t i = 0;
  while (i < text.size() &&
         ((text[i] >= '0' && text[i] <= '9') || text[i] == '.'))
    ++i;
  std::string number(text.substr(0, i));
  std::string_view unit = text.substr(i);
  char* end = nullptr;
  double v = std::strtod(number.c_str(), &end);
  if (number.empty() || *end != '\0') {
    return MakeError("bad duration '" + std::string(text) +
                     "' (use 500ms, 3s, 1m)");
  }
  double ms = 0;
  if (unit == "ms") {
    ms = v;
  } else if (unit == "s") {
    ms = v * 1000;
  } else if (unit == "m") {
    ms = v * 60000;
  } else if (unit == "h") {
    ms = v * 3600000;
  } else {
    return MakeError("bad duration unit in '" + std::string(text) +
                     "' (use ms, s, m, h)");
  }
  if (ms > 1e12)
    return MakeError("duration too long: '" + std::string(text) + "'");
  return Millis(static_cast<int64_t>(std::llround(ms)));
}

Result<Config> ParseConfig(std::string_view yaml, std::string_view source) {
  std::string where(source);
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    if (!root || root.IsNull())
      return MakeError(where + ":1: empty configuration");
    return ParseRoot(root, source);
  } catch (const ConfigError& e) {
    return MakeError(where + ":" + std::to_string(e.line) + ": " + e.what);
  } catch (const YAML::Exception& e) {
    int line = e.mark.line >= 0 ? e.mark.line + 1 : 0;
    return MakeError(where + ":" + std::to_string(line) + ": " + e.msg);
  }
}

Result<Config> LoadConfigFile(const std::string& path) {
  Result<std::string> text = ReadWholeFile(path);
  if (!text.ok()) return MakeError(path + ":0: cannot open file");
  return ParseConfig(*text, path);
}

}  // namespace staticship::gateway
