#include "services/gateway/config.h"

#include <gtest/gtest.h>

namespace staticship::gateway {
namespace {

constexpr char kIssueExample[] = R"(listen: 127.0.0.1:8080
workers: 2
upstreams:
  user-svc: { endpoints: [127.0.0.1:8001, 127.0.0.1:8002] }
routes:
  - match: /api/v1/user/*
    methods: [GET, POST]
    headers: { X-Env: canary }
    query: { region: cn }
    dest: user-svc
    timeout: 3s
    fallback: /fallback/user
  - match: /fallback/user
    respond: { status: 200, body: '{"degraded":true}', content_type: application/json }
  - match: /direct
    dest: 127.0.0.1:9000
breaker: { error_ratio: 0.6, window: 60s, min_requests: 20, open_for: 5s, half_open_probes: 1 }
limits: { qps: 5000, max_connections: 2000, max_header_bytes: 65536, max_body_bytes: 1048576, header_timeout: 10s, idle_timeout: 60s }
gzip: { min_bytes: 1024, level: 6 }
)";

TEST(ConfigTest, ParsesTheIssueExample) {
  auto c = ParseConfig(kIssueExample, "gw.yaml");
  ASSERT_TRUE(c.ok()) << c.message();
  EXPECT_EQ(c->listen_host, "127.0.0.1");
  EXPECT_EQ(c->listen_port, 8080);
  EXPECT_EQ(c->workers, 2);
  EXPECT_TRUE(c->shared_listener);  // the default

  const UpstreamConfig& user = c->upstreams.at("user-svc");
  ASSERT_EQ(user.endpoints.size(), 2u);
  EXPECT_EQ(user.endpoints[0].key(), "127.0.0.1:8001");
  EXPECT_EQ(user.endpoints[1].key(), "127.0.0.1:8002");

  ASSERT_EQ(c->routes.size(), 3u);
  const RouteConfig& r = c->routes[0];
  EXPECT_EQ(r.match, "/api/v1/user/*");
  EXPECT_EQ(r.name, "/api/v1/user/*");  // defaults to match
  EXPECT_TRUE(r.prefix);
  EXPECT_EQ(r.path, "/api/v1/user/");
  EXPECT_EQ(r.methods, (std::vector<std::string>{"GET", "POST"}));
  EXPECT_FALSE(r.path_regex.has_value());
  // Header names are case-insensitive: kept lower-case.
  EXPECT_EQ(r.headers, (std::vector<ValueMatcher>{{"x-env", "canary", {}}}));
  EXPECT_EQ(r.query, (std::vector<ValueMatcher>{{"region", "cn", {}}}));
  EXPECT_EQ(r.dest, "user-svc");
  EXPECT_EQ(r.timeout, Millis(3000));
  EXPECT_EQ(r.fallback, "/fallback/user");
  ASSERT_TRUE(r.fallback_route.has_value());
  EXPECT_EQ(*r.fallback_route, 1u);
  EXPECT_FALSE(r.respond.has_value());

  const RouteConfig& fallback = c->routes[1];
  EXPECT_EQ(fallback.match, "/fallback/user");
  EXPECT_FALSE(fallback.prefix);
  ASSERT_TRUE(fallback.respond.has_value());
  EXPECT_EQ(fallback.respond->status, 200);
  EXPECT_EQ(fallback.respond->body, "{\"degraded\":true}");
  EXPECT_EQ(fallback.respond->content_type, "application/json");
  // host:port destinations become single-endpoint upstreams.
  EXPECT_EQ(c->upstreams.at("127.0.0.1:9000").endpoints[0].port, 9000);

  // The top-level breaker is every route's unless a route has its own.
  for (const BreakerConfig& b : {c->breaker, r.breaker}) {
    EXPECT_DOUBLE_EQ(b.error_ratio, 0.6);
    EXPECT_EQ(b.window, Millis(60000));
    EXPECT_EQ(b.min_requests, 20u);
    EXPECT_EQ(b.open_for, Millis(5000));
    EXPECT_EQ(b.half_open_probes, 1u);
  }
  EXPECT_DOUBLE_EQ(c->limits.qps, 5000);
  EXPECT_EQ(c->limits.max_connections, 2000u);
  EXPECT_EQ(c->limits.max_header_bytes, 65536u);
  EXPECT_EQ(c->limits.max_body_bytes, 1048576u);
  EXPECT_EQ(c->limits.header_timeout, Millis(10000));
  EXPECT_EQ(c->limits.idle_timeout, Millis(60000));
  EXPECT_EQ(c->gzip.min_bytes, 1024u);
  EXPECT_EQ(c->gzip.level, 6);
}

// Several values of the issue's example are also the defaults, so the test
// above cannot tell a key that is read from one that is ignored; here every
// key differs from its default.
TEST(ConfigTest, ReadsEveryKey) {
  auto c = ParseConfig(R"(listen: 0.0.0.0:9090
workers: 3
listener: reuseport
access_log: false
drain_timeout: 2s
upstreams:
  u: { endpoints: [10.0.0.1:80], max_idle: 7, max_connections: 9, fail_timeout: 3s }
routes:
  - match: /a
    name: a-route
    dest: u
    timeout: 250ms
    breaker: { error_ratio: 0.9, window: 30s, min_requests: 5, open_for: 7s, half_open_probes: 3 }
breaker: { error_ratio: 0.25, window: 20s, min_requests: 10, open_for: 2s, half_open_probes: 2 }
limits: { qps: 100, burst: 150, max_connections: 50, max_header_bytes: 4096, max_body_bytes: 2048, header_timeout: 4s, idle_timeout: 30s }
gzip: { enabled: false, min_bytes: 512, level: 9 }
)",
                       "gw.yaml");
  ASSERT_TRUE(c.ok()) << c.message();
  EXPECT_EQ(c->listen_host, "0.0.0.0");
  EXPECT_EQ(c->listen_port, 9090);
  EXPECT_EQ(c->workers, 3);
  EXPECT_FALSE(c->shared_listener);
  EXPECT_FALSE(c->access_log);
  EXPECT_EQ(c->drain_timeout, Millis(2000));
  const UpstreamConfig& u = c->upstreams.at("u");
  EXPECT_EQ(u.max_idle, 7u);
  EXPECT_EQ(u.max_connections, 9u);
  EXPECT_EQ(u.fail_timeout, Millis(3000));
  ASSERT_EQ(c->routes.size(), 1u);
  EXPECT_EQ(c->routes[0].name, "a-route");
  EXPECT_EQ(c->routes[0].timeout, Millis(250));
  EXPECT_EQ(c->routes[0].breaker, (BreakerConfig{.error_ratio = 0.9,
                                                 .window = Millis(30000),
                                                 .min_requests = 5,
                                                 .open_for = Millis(7000),
                                                 .half_open_probes = 3}));
  EXPECT_EQ(c->breaker, (BreakerConfig{.error_ratio = 0.25,
                                       .window = Millis(20000),
                                       .min_requests = 10,
                                       .open_for = Millis(2000),
                                       .half_open_probes = 2}));
  EXPECT_DOUBLE_EQ(c->limits.qps, 100);
  EXPECT_DOUBLE_EQ(c->limits.burst, 150);
  EXPECT_EQ(c->limits.max_connections, 50u);
  EXPECT_EQ(c->limits.max_header_bytes, 4096u);
  EXPECT_EQ(c->limits.max_body_bytes, 2048u);
  EXPECT_EQ(c->limits.header_timeout, Millis(4000));
  EXPECT_EQ(c->limits.idle_timeout, Millis(30000));
  EXPECT_FALSE(c->gzip.enabled);
  EXPECT_EQ(c->gzip.min_bytes, 512u);
  EXPECT_EQ(c->gzip.level, 9);
}

TEST(ConfigTest, RegexRoutesAndConditionsCompileAtLoad) {
  auto c = ParseConfig(R"(routes:
  - path_regex: "^/v1/tasks/[0-9a-f-]+$"
    headers: [{name: X-Tenant, regex: "(a|b)-.*"}, {name: x-env, exact: prod}]
    query: [{name: v, regex: "[0-9]+"}]
    dest: 127.0.0.1:1
    fallback: /degraded/tasks
  - match: /v1/*
    headers: { x-tenant: { regex: "c-.*" }, x-env: canary }
    query: { region: { exact: cn } }
    dest: 127.0.0.1:2
  - name: degraded
    path_regex: /degraded/[a-z]+
    respond: { status: 503 }
)",
                       "gw.yaml");
  ASSERT_TRUE(c.ok()) << c.message();
  ASSERT_EQ(c->routes.size(), 3u);

  const RouteConfig& tasks = c->routes[0];
  ASSERT_TRUE(tasks.path_regex.has_value());
  EXPECT_EQ(tasks.path_regex->pattern(), "^/v1/tasks/[0-9a-f-]+$");
  EXPECT_EQ(tasks.name, "^/v1/tasks/[0-9a-f-]+$");  // defaults to the pattern
  EXPECT_EQ(tasks.match, "");
  ASSERT_EQ(tasks.headers.size(), 2u);
  EXPECT_EQ(tasks.headers[0].name, "x-tenant");
  ASSERT_TRUE(tasks.headers[0].regex.has_value());
  EXPECT_EQ(tasks.headers[0].regex->pattern(), "(a|b)-.*");
  EXPECT_EQ(tasks.headers[1], (ValueMatcher{"x-env", "prod", {}}));
  ASSERT_EQ(tasks.query.size(), 1u);
  EXPECT_EQ(tasks.query[0].name, "v");
  ASSERT_TRUE(tasks.query[0].regex.has_value());
  EXPECT_TRUE(tasks.query[0].regex->FullMatch("42"));
  // A fallback may be served by a regex route: the whole path must match.
  ASSERT_TRUE(tasks.fallback_route.has_value());
  EXPECT_EQ(*tasks.fallback_route, 2u);

  // The mapping form takes {exact: V} and {regex: R} as values too.
  const RouteConfig& prefix = c->routes[1];
  EXPECT_FALSE(prefix.path_regex.has_value());
  ASSERT_EQ(prefix.headers.size(), 2u);
  EXPECT_EQ(prefix.headers[0].name, "x-tenant");
  ASSERT_TRUE(prefix.headers[0].regex.has_value());
  EXPECT_EQ(prefix.headers[0].regex->pattern(), "c-.*");
  EXPECT_EQ(prefix.headers[1], (ValueMatcher{"x-env", "canary", {}}));
  EXPECT_EQ(prefix.query, (std::vector<ValueMatcher>{{"region", "cn", {}}}));

  EXPECT_EQ(c->routes[2].name, "degraded");
}

TEST(ConfigTest, FallbackMustMatchARegexRouteWhole) {
  auto c = ParseConfig(R"(routes:
  - match: /a
    dest: 127.0.0.1:1
    fallback: /degraded/x1
  - path_regex: /degraded/[a-z]+
    respond: { status: 503 }
)",
                       "gw.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.message(),
            "gw.yaml:2: fallback '/degraded/x1' matches no other route");
}

struct BadConfig {
  const char* yaml;
  const char* expected;  // full "FILE:LINE: ..." prefix
};

class BadConfigTest : public ::testing::TestWithParam<BadConfig> {};

TEST_P(BadConfigTest, NamesTheLine) {
  auto c = ParseConfig(GetParam().yaml, "gw.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.message().rfind(GetParam().expected, 0), 0u) << c.message();
}

INSTANTIATE_TEST_SUITE_P(
    Corpus, BadConfigTest,
    ::testing::Values(
        BadConfig{"listen: nope\n", "gw.yaml:1: listen: expected HOST:PORT"},
        BadConfig{"listen: 1.2.3.4:99999\n", "gw.yaml:1: listen: port out"},
        BadConfig{"listener: fair\n",
                  "gw.yaml:1: listener must be shared or reuseport, not "
                  "'fair'"},
        BadConfig{"workers: 2\nroutes:\n  - match: /a\n    dest: x\n",
                  "gw.yaml:4: dest 'x' is neither"},
        BadConfig{
            "routes:\n  - match: /a\n    dest: 1.2.3.4:5\n    tmeout: 1s\n",
            "gw.yaml:4: unknown key 'tmeout' in route"},
        BadConfig{"routes:\n  - match: a/b\n    dest: 1.2.3.4:5\n",
                  "gw.yaml:2: match must start with '/'"},
        BadConfig{"routes:\n  - match: /a*/b\n    dest: 1.2.3.4:5\n",
                  "gw.yaml:2: '*' is only allowed"},
        BadConfig{
            "routes:\n  - match: /a\n    dest: 1.2.3.4:5\n    timeout: 3 s\n",
            "gw.yaml:4: timeout: bad duration"},
        BadConfig{"routes:\n  - match: /a\n    dest: 1.2.3.4:5\n"
                  "    fallback: /nowhere\n",
                  "gw.yaml:2: fallback '/nowhere' matches no other route"},
        BadConfig{"routes:\n  - match: /a\n",
                  "gw.yaml:2: route '/a' needs exactly one"},
        BadConfig{"breaker: { error_ratio: 1.5 }\n",
                  "gw.yaml:1: breaker.error_ratio must be a number in [0, 1]"},
        BadConfig{"upstreams:\n  u: { endpoints: [] }\n",
                  "gw.yaml:2: endpoints of 'u' must be a non-empty list"},
        BadConfig{"gzip: { level: 12 }\n", "gw.yaml:1: gzip.level must be"},
        BadConfig{"routes: [\n", "gw.yaml:2: "},
        BadConfig{"limits:\n  qps: lots\n",
                  "gw.yaml:2: limits.qps must be a number"},
        BadConfig{"", "gw.yaml:1: empty configuration"},
        BadConfig{"upstreams:\n  u:\n    endpoints:\n"
                  "      - { address: 127.0.0.1:1, weight: 0 }\n",
                  "gw.yaml:4: weight must be an integer in [1, 1000], got '0'"},
        BadConfig{"upstreams:\n  u:\n    endpoints:\n"
                  "      - { address: 127.0.0.1:1, weight: -2 }\n",
                  "gw.yaml:4: weight must be an integer in [1, 1000]"},
        BadConfig{"upstreams:\n  u:\n    endpoints:\n"
                  "      - { address: 127.0.0.1:1, weight: 1001 }\n",
                  "gw.yaml:4: weight must be an integer in [1, 1000]"},
        BadConfig{"upstreams:\n  u:\n    endpoints:\n"
                  "      - { weight: 2 }\n",
                  "gw.yaml:4: endpoint without 'address'"},
        BadConfig{"upstreams:\n  u:\n    endpoints:\n"
                  "      - { address: 127.0.0.1:1, wieght: 2 }\n",
                  "gw.yaml:4: unknown key 'wieght' in endpoint"},
        BadConfig{"routes:\n  - match: /*\n    dest: 127.0.0.1:1\n"
                  "    max_in_flight: 0\n",
                  "gw.yaml:4: max_in_flight must be an integer in [1, "},
        BadConfig{"routes:\n  - match: /*\n    dest: 127.0.0.1:1\n"
                  "    rate_limit: { qps: 0 }\n",
                  "gw.yaml:4: rate_limit.qps must be positive"},
        BadConfig{"routes:\n  - match: /*\n    dest: 127.0.0.1:1\n"
                  "    rate_limit: { burst: 3 }\n",
                  "gw.yaml:4: rate_limit without 'qps'"},
        BadConfig{"routes:\n  - match: /*\n    dest: 127.0.0.1:1\n"
                  "    rate_limit: { qps: 5, burst: 0.5 }\n",
                  "gw.yaml:4: rate_limit.burst must be a number in [1, "},
        BadConfig{"upstreams:\n  u:\n    endpoints: [127.0.0.1:1]\n"
                  "    health_check: { interval: 1s, timeout: 2s }\n",
                  "gw.yaml:4: health_check.timeout must be positive and at "
                  "most the interval"},
        BadConfig{"upstreams:\n  u:\n    endpoints: [127.0.0.1:1]\n"
                  "    health_check:\n      path: health\n",
                  "gw.yaml:5: health_check.path must start with '/'"},
        // Regexes: the pattern and RE2's own words, on the pattern's line.
        BadConfig{"routes:\n  - path_regex: /v1/(a\n    dest: 127.0.0.1:1\n",
                  "gw.yaml:2: path_regex '/v1/(a' is not a valid RE2 regex: "
                  "missing ): /v1/(a"},
        BadConfig{"routes:\n  - path_regex: '/v1/(?=a)'\n"
                  "    dest: 127.0.0.1:1\n",
                  "gw.yaml:2: path_regex '/v1/(?=a)' is not a valid RE2 "
                  "regex: invalid perl operator: (?="},
        BadConfig{"routes:\n  - path_regex: ''\n    dest: 127.0.0.1:1\n",
                  "gw.yaml:2: path_regex must not be empty"},
        BadConfig{"routes:\n  - match: /a\n    path_regex: /b\n"
                  "    dest: 127.0.0.1:1\n",
                  "gw.yaml:2: route needs exactly one of 'match' or "
                  "'path_regex'"},
        BadConfig{"routes:\n  - dest: 127.0.0.1:1\n",
                  "gw.yaml:2: route needs exactly one of 'match' or "
                  "'path_regex'"},
        BadConfig{
            "routes:\n  - match: /a\n    dest: 127.0.0.1:1\n"
            "    headers:\n      - { name: x-t, regex: '[a-' }\n",
            "gw.yaml:5: headers 'x-t' regex '[a-' is not a valid RE2 regex: "
            "missing ]: [a-"},
        BadConfig{
            "routes:\n  - match: /a\n    dest: 127.0.0.1:1\n"
            "    headers: { x-t: { regex: 'a**' } }\n",
            "gw.yaml:4: headers 'x-t' regex 'a**' is not a valid RE2 regex: "
            "bad repetition operator: **"},
        BadConfig{
            "routes:\n  - match: /a\n    dest: 127.0.0.1:1\n"
            "    query:\n      - { name: v, regex: 'x{2,1}' }\n",
            "gw.yaml:5: query 'v' regex 'x{2,1}' is not a valid RE2 regex: "
            "invalid repetition size: {2,1}"},
        BadConfig{"routes:\n  - match: /a\n    dest: 127.0.0.1:1\n"
                  "    headers:\n      - { name: x-t, exact: a, regex: b }\n",
                  "gw.yaml:5: headers 'x-t' needs exactly one of 'exact' or "
                  "'regex'"},
        BadConfig{"routes:\n  - match: /a\n    dest: 127.0.0.1:1\n"
                  "    headers:\n      - { regex: b }\n",
                  "gw.yaml:5: headers entry without 'name'"},
        BadConfig{"routes:\n  - match: /a\n    dest: 127.0.0.1:1\n"
                  "    query:\n      - { name: v, regx: b }\n",
                  "gw.yaml:5: unknown key 'regx' in query"},
        BadConfig{"upstreams:\n  u:\n    endpoints: [127.0.0.1:1]\n"
                  "    health_check: { unhealthy_threshold: 0 }\n",
                  "gw.yaml:4: health_check.unhealthy_threshold must be an "
                  "integer in [1, 100]"}));

TEST(ConfigTest, DurationsAndHostPorts) {
  EXPECT_EQ(*ParseDuration("250ms"), Millis(250));
  EXPECT_EQ(*ParseDuration("1.5s"), Millis(1500));
  EXPECT_EQ(*ParseDuration("2m"), Millis(120000));
  EXPECT_FALSE(ParseDuration("5").ok());
  EXPECT_FALSE(ParseDuration("s").ok());
  auto e = ParseHostPort("[::1]:80");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->host, "::1");
  EXPECT_EQ(ParseHostPort(":8080")->host, "0.0.0.0");
  EXPECT_FALSE(ParseHostPort("::1:80").ok());
}

TEST(ConfigTest, BreakerDefaultsAreTheWriteUps) {
  auto c = ParseConfig(R"(upstreams:
  app: { endpoints: [127.0.0.1:9000] }
routes:
  - { match: /*, dest: app }
)",
                       "gw.yaml");
  ASSERT_TRUE(c.ok()) << c.message();
  EXPECT_DOUBLE_EQ(c->routes[0].breaker.error_ratio, 0.6);
  EXPECT_EQ(c->routes[0].breaker.window, Millis(60000));
}

TEST(ConfigTest, WeightsLimitsAndHealthChecks) {
  auto c = ParseConfig(R"(upstreams:
  app:
    endpoints: [127.0.0.1:9000, { address: 127.0.0.1:9001, weight: 3 }]
    health_check: { path: /healthz, interval: 2s, timeout: 250ms, healthy_threshold: 3, unhealthy_threshold: 4 }
routes:
  - { match: /a/*, dest: app, max_in_flight: 7, rate_limit: { qps: 10, burst: 20 } }
  - { match: /b/*, dest: app, rate_limit: { qps: 0.5 } }
)",
                       "gw.yaml");
  ASSERT_TRUE(c.ok()) << c.message();
  const UpstreamConfig& app = c->upstreams.at("app");
  ASSERT_EQ(app.endpoints.size(), 2u);
  EXPECT_EQ(app.endpoints[0].weight, 1);  // the plain form
  EXPECT_EQ(app.endpoints[1].key(), "127.0.0.1:9001");
  EXPECT_EQ(app.endpoints[1].weight, 3);
  ASSERT_TRUE(app.health_check.has_value());
  EXPECT_EQ(app.health_check->path, "/healthz");
  EXPECT_EQ(app.health_check->interval, Millis(2000));
  EXPECT_EQ(app.health_check->timeout, Millis(250));
  EXPECT_EQ(app.health_check->healthy_threshold, 3u);
  EXPECT_EQ(app.health_check->unhealthy_threshold, 4u);
  EXPECT_EQ(c->routes[0].max_in_flight, 7u);
  ASSERT_TRUE(c->routes[0].rate_limit.has_value());
  EXPECT_DOUBLE_EQ(c->routes[0].rate_limit->qps, 10);
  EXPECT_DOUBLE_EQ(c->routes[0].rate_limit->burst, 20);
  EXPECT_EQ(c->routes[1].max_in_flight, 0u);  // unlimited
  // Without a burst: one second's worth, and at least one request.
  EXPECT_DOUBLE_EQ(c->routes[1].rate_limit->burst, 1);
}

TEST(ConfigTest, MissingFileIsAnError) {
  auto c = LoadConfigFile("/nonexistent/gw.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.message(), "/nonexistent/gw.yaml:0: cannot open file");
}

}  // namespace
}  // namespace staticship::gateway
