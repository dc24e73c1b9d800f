// The gateway's configuration: parsed from YAML (yaml-cpp), validated in
// full before anything starts, errors reported as "FILE:LINE: what is wrong".
// See gateway.yaml and README.md for the format.
#ifndef STATICSHIP_SERVICES_GATEWAY_CONFIG_H_
#define STATICSHIP_SERVICES_GATEWAY_CONFIG_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/base/result.h"
#include "services/gateway/regex.h"

namespace staticship::gateway {

using Millis = std::chrono::milliseconds;

struct Endpoint {
  std::string host;
  uint16_t port = 0;
  // Share of the requests relative to the upstream's other endpoints
  // (smooth weighted round robin, as nginx's `weight=`).
  int weight = 1;
  std::string key() const { return host + ":" + std::to_string(port); }
};

// Active health checks (as Envoy's and haproxy's): one prober per process
// GETs `path` on every endpoint each `interval`; an endpoint leaves the
// rotation after `unhealthy_threshold` consecutive failures (non-2xx,
// timeout, refused) and returns after `healthy_threshold` successes.
struct HealthCheckConfig {
  std::string path = "/health";
  Millis interval{1000};
  Millis timeout{500};
  uint32_t healthy_threshold = 2;
  uint32_t unhealthy_threshold = 2;
};

struct UpstreamConfig {
  std::string name;
  std::vector<Endpoint> endpoints;
  size_t max_idle = 64;           // idle keep-alive connections per endpoint
  size_t max_connections = 1024;  // per endpoint and worker; 503 beyond
  Millis fail_timeout{2000};      // skip an endpoint this long after a
                                  // connect failure (nginx fail_timeout)
  std::optional<HealthCheckConfig> health_check;
};

// The defaults are the write-up's (§3.1): open at a 60 % error ratio over
// 60 s, as Sentinel's slow-ratio rule is usually set for game traffic.
struct BreakerConfig {
  double error_ratio = 0.6;
  Millis window{60000};
  uint32_t min_requests = 20;
  Millis open_for{5000};
  uint32_t half_open_probes = 1;

  bool operator==(const BreakerConfig&) const = default;
};

struct RespondConfig {
  int status = 200;
  std::string body;
  std::string content_type = "text/plain";
};

// A route's own QPS limit (token bucket, 429 beyond it).
struct RateLimitConfig {
  double qps = 0;
  double burst = 0;  // at least 1
};

// A condition on one request header or query parameter: its value equals
// `exact`, or, when `regex` is set, matches it whole. A header is read as
// the gateway reads any header (its first value); a query value decoded.
struct ValueMatcher {
  std::string name;  // lower-case for headers
  std::string exact;
  std::optional<Regex> regex;

  bool operator==(const ValueMatcher&) const = default;
};

struct RouteConfig {
  std::string name;   // metrics/log label; defaults to `match` or `path_regex`
  std::string match;  // "/exact" or "/prefix/*"; empty with path_regex
  bool prefix = false;
  std::string path;  // match without the trailing "*" for prefixes
  // Instead of `match`: the whole path (without the query) must match it.
  std::optional<Regex> path_regex;
  std::vector<std::string> methods;  // empty: any
  std::vector<ValueMatcher> headers;
  std::vector<ValueMatcher> query;
  std::string dest;  // upstream name (possibly synthesised for host:port)
  Millis timeout{3000};
  std::string fallback;
  std::optional<size_t> fallback_route;  // index into routes
  std::optional<RespondConfig> respond;
  BreakerConfig breaker;
  // Requests of this route in flight at once, all workers together; 503
  // beyond (Envoy's max_requests). 0: unlimited.
  size_t max_in_flight = 0;
  std::optional<RateLimitConfig> rate_limit;
  int line = 0;  // 1-based line in the config file, for messages
};

struct LimitsConfig {
  double qps = 0;    // 0: unlimited
  double burst = 0;  // 0: same as qps
  size_t max_connections = 10000;
  size_t max_header_bytes = 65536;
  size_t max_body_bytes = 1048576;
  Millis header_timeout{10000};
  Millis idle_timeout{60000};
};

struct GzipConfig {
  bool enabled = true;
  size_t min_bytes = 1024;
  int level = 6;
};

struct Config {
  std::string source;  // file name, for messages
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 8080;
  int workers = 0;  // 0: number of cores
  // `listener: shared` (one socket, a waiting worker takes each new
  // connection) or `reuseport` (one per worker, hashed by the kernel); see
  // http::ServerOptions::shared_listener.
  bool shared_listener = true;
  std::map<std::string, UpstreamConfig> upstreams;
  std::vector<RouteConfig> routes;
  BreakerConfig breaker;
  LimitsConfig limits;
  GzipConfig gzip;
  bool access_log = true;
  Millis drain_timeout{10000};
};

// Parses YAML text; `source` names it in error messages.
Result<Config> ParseConfig(std::string_view yaml, std::string_view source);
Result<Config> LoadConfigFile(const std::string& path);

// "HOST:PORT", "[v6]:PORT" or ":PORT" (all addresses).
Result<Endpoint> ParseHostPort(std::string_view text);
// "250ms", "3s", "2m", "1h".
Result<Millis> ParseDuration(std::string_view text);

}  // namespace staticship::gateway

#endif  // STATICSHIP_SERVICES_GATEWAY_CONFIG_H_
