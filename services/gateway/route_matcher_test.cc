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

TEST(RouteMatcherTest, QueryDecoding) {
  EXPECT_EQ(QueryValue("a=1&region=c%6E&x", "region"), "cn");
  EXPECT_EQ(QueryValue("q=a+b", "q"), "a b");
  EXPECT_EQ(QueryValue("a=1&x", "x"), "");
  EXPECT_FALSE(QueryValue("a=1", "b").has_value());
  EXPECT_EQ(DecodeQueryComponent("%zz%4"), "%zz%4");
}

}  // namespace
}  // namespace staticship::gateway
