#include "services/gateway/route_matcher.h"

#include <gtest/gtest.h>

namespace staticship::gateway {
namespace {

http::Request Req(
    std::string method, std::string path, std::string query = "",
    std::vector<std::pair<std::string, std::string>> headers = {}) {
  http::Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.query = std::move(query);
  for (auto& [k, v] : headers) r.headers.Add(k, v);
  return r;
}

std::vector<RouteConfig> Routes() {
  auto c = ParseConfig(R"(routes:
  - match: /api/v1/user/*
    methods: [GET]
    headers: { X-Env: canary }
    query: { region: cn }
    dest: 1.1.1.1:1
  - match: /api/v1/user/*
    dest: 1.1.1.1:2
  - match: /exact
    dest: 1.1.1.1:3
  - match: /*
    dest: 1.1.1.1:4
  - match: /never
    dest: 1.1.1.1:5
)",
                       "t.yaml");
  EXPECT_TRUE(c.ok()) << c.message();
  return c->routes;
}

TEST(RouteMatcherTest, FirstMatchInFileOrderWins) {
  auto routes = Routes();
  auto canary =
      Req("GET", "/api/v1/user/42", "a=1&region=cn", {{"x-ENV", "canary"}});
  EXPECT_EQ(MatchRoute(routes, canary), 0u);
  // Each condition is required: drop one at a time.
  EXPECT_EQ(MatchRoute(routes, Req("POST", "/api/v1/user/42", "region=cn",
                                   {{"X-Env", "canary"}})),
            1u);
  EXPECT_EQ(MatchRoute(routes, Req("GET", "/api/v1/user/42", "region=us",
                                   {{"X-Env", "canary"}})),
            1u);
  EXPECT_EQ(MatchRoute(routes, Req("GET", "/api/v1/user/42", "region=cn",
                                   {{"X-Env", "prod"}})),
            1u);
  EXPECT_EQ(MatchRoute(routes, Req("GET", "/api/v1/user/42", "region=cn")), 1u);
  // Prefix matches its own root, not siblings sharing a string prefix.
  EXPECT_EQ(MatchRoute(routes, Req("GET", "/api/v1/user")), 1u);
  EXPECT_EQ(MatchRoute(routes, Req("GET", "/api/v1/users")), 3u);
  // Exact routes match only themselves; the catch-all shadows /never.
  EXPECT_EQ(MatchRoute(routes, Req("GET", "/exact")), 2u);
  EXPECT_EQ(MatchRoute(routes, Req("GET", "/exact/x")), 3u);
  EXPECT_EQ(MatchRoute(routes, Req("GET", "/never")), 3u);
}

TEST(RouteMatcherTest, NoMatch) {
  auto routes = Routes();
  routes.pop_back();
  routes.pop_back();  // drop /never and the catch-all
  EXPECT_FALSE(MatchRoute(routes, Req("GET", "/other")).has_value());
  EXPECT_FALSE(MatchRoute({}, Req("GET", "/")).has_value());
}

std::vector<RouteConfig> Parse(const char* yaml) {
  auto c = ParseConfig(yaml, "t.yaml");
  EXPECT_TRUE(c.ok()) << c.message();
  return c.ok() ? c->routes : std::vector<RouteConfig>{};
}

TEST(RouteMatcherTest, PathRegexMatchesTheWholePathInFileOrder) {
  auto routes = Parse(R"(routes:
  - match: /v1/tasks/special
    dest: 1.1.1.1:1
  - path_regex: "^/v1/tasks/[0-9a-f-]+$"
    dest: 1.1.1.1:2
  - path_regex: /v1/[a-z]+
    dest: 1.1.1.1:3
  - match: /*
    dest: 1.1.1.1:4
  - path_regex: /late/.*
    dest: 1.1.1.1:5
)");
  ASSERT_EQ(routes.size(), 5u);
  // An exact route above a regex route wins over it, like any earlier route.
  EXPECT_EQ(MatchRoute(routes, Req("GET", "/v1/tasks/special")), 0u);
  EXPECT_EQ(MatchRoute(routes, Req("GET", "/v1/tasks/0af3-9c")), 1u);
  // Full match: no partial hit at either end, whatever the anchors say.
  EXPECT_EQ(MatchRoute(routes, Req("GET", "/v1/tasks/0af3/x")), 3u);
  EXPECT_EQ(MatchRoute(routes, Req("GET", "/x/v1/tasks/0af3")), 3u);
  EXPECT_EQ(MatchRoute(routes, Req("GET", "/v1/tasks/XYZ")), 3u);
  EXPECT_EQ(MatchRoute(routes, Req("GET", "/v1/tasks/")), 3u);
  EXPECT_EQ(MatchRoute(routes, Req("GET", "/v1/tasks")), 2u);
  EXPECT_EQ(MatchRoute(routes, Req("GET", "/v1/abc")), 2u);
  EXPECT_EQ(MatchRoute(routes, Req("GET", "/v1/abc/")), 3u);
  // The query is not part of the path a regex sees.
  EXPECT_EQ(MatchRoute(routes, Req("GET", "/v1/abc", "x=1")), 2u);
  // Below the catch-all, a regex route is never reached.
  EXPECT_EQ(MatchRoute(routes, Req("GET", "/late/x")), 3u);
}

TEST(RouteMatcherTest, HeaderAndQueryRegexConditions) {
  auto routes = Parse(R"(routes:
  - match: /api/*
    headers: [{name: X-Tenant, regex: "^(a|b)-.*"}, {name: x-env, exact: prod}]
    dest: 1.1.1.1:1
  - match: /api/*
    query: [{name: v, regex: "[0-9]+"}]
    dest: 1.1.1.1:2
  - match: /api/*
    headers: { x-tenant: { regex: "c-[0-9]{2}" } }
    query: { region: { exact: cn } }
    dest: 1.1.1.1:3
  - match: /api/*
    dest: 1.1.1.1:4
)");
  ASSERT_EQ(routes.size(), 4u);
  auto req = [](std::string query,
                std::vector<std::pair<std::string, std::string>> headers) {
    return Req("GET", "/api/x", std::move(query), std::move(headers));
  };
  EXPECT_EQ(
      MatchRoute(routes, req("", {{"x-tenant", "a-1"}, {"X-Env", "prod"}})),
      0u);
  EXPECT_EQ(
      MatchRoute(routes, req("", {{"x-tenant", "b-"}, {"x-env", "prod"}})), 0u);
  // Every condition must hold: the exact one, and the regex over the whole
  // value ("xa-1" does not match "^(a|b)-.*").
  EXPECT_EQ(MatchRoute(routes, req("", {{"x-tenant", "a-1"}})), 3u);
  EXPECT_EQ(
      MatchRoute(routes, req("", {{"x-tenant", "xa-1"}, {"x-env", "prod"}})),
      3u);
  // Query values are matched decoded and whole.
  EXPECT_EQ(MatchRoute(routes, req("v=%34%32", {})), 1u);
  EXPECT_EQ(MatchRoute(routes, req("v=42a", {})), 3u);
  EXPECT_EQ(MatchRoute(routes, req("v=", {})), 3u);
  EXPECT_EQ(MatchRoute(routes, req("region=cn", {{"x-tenant", "c-07"}})), 2u);
  EXPECT_EQ(MatchRoute(routes, req("region=cn", {{"x-tenant", "c-007"}})), 3u);
  EXPECT_EQ(MatchRoute(routes, req("region=us", {{"x-tenant", "c-07"}})), 3u);
  // A missing header never matches, even a regex that accepts "".
  auto empty_ok = Parse(R"(routes:
  - match: /*
    headers: [{name: x-opt, regex: ".*"}]
    dest: 1.1.1.1:1
)");
  EXPECT_FALSE(MatchRoute(empty_ok, Req("GET", "/")).has_value());
  EXPECT_EQ(MatchRoute(empty_ok, Req("GET", "/", "", {{"x-opt", ""}})), 0u);
}

TEST(RouteMatcherTest, QueryDecoding) {
  EXPECT_EQ(QueryValue("a=1&region=c%6E&x", "region"), "cn");
  EXPECT_EQ(QueryValue("q=a+b", "q"), "a b");
  EXPECT_EQ(QueryValue("a=1&x", "x"), "");
  EXPECT_FALSE(QueryValue("a=1", "b").has_value());
  EXPECT_EQ(DecodeQueryComponent("%zz%4"), "%zz%4");
}

}  // namespace
}  // namespace staticship::gateway
