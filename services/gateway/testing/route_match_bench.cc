// What routing costs a request: MatchRoute over N exact and prefix routes
// against the same N routes written as RE2 path regexes, on the thread's own
// CPU clock (run it -c opt; docs/PERFORMANCE.md, "Gateway routing"):
//
//   route_match_bench [--routes 20] [--rounds 7] [--matches 200000]
//
// Route i serves /svc<i>/items (even i: exact, or ^/svc<i>/items$) and
// /svc<i>/items/<id> (odd i: prefix /svc<i>/*, or /svc<i>/items/[0-9a-f-]+).
// Three requests per table: one the first route takes, one only the last
// route takes (every route tried) and one no route takes. Each line is the
// least over the rounds of the mean ns per MatchRoute call (other processes
// only ever add time). Every call's answer is checked, so a table that
// routes wrongly fails the run instead of timing the wrong thing.
#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "common/base/flags.h"
#include "common/testing/thread_cpu.h"
#include "services/gateway/config.h"
#include "services/gateway/route_matcher.h"

namespace staticship::gateway {
namespace {

using staticship::testing::ThreadCpuNs;

// The same N routes, written as exact/prefix matches or as path regexes,
// and loaded the way the gateway loads its file.
Result<std::vector<RouteConfig>> Table(int n, bool regex) {
  std::string yaml = "routes:\n";
  for (int i = 0; i < n; ++i) {
    const std::string svc = "/svc" + std::to_string(i) + "/items";
    if (regex) {
      yaml += "  - path_regex: \"" +
              (i % 2 == 0 ? "^" + svc + "$" : svc + "/[0-9a-f-]+") + "\"\n";
    } else {
      yaml += "  - match: " +
              (i % 2 == 0 ? svc : "/svc" + std::to_string(i) + "/*") + "\n";
    }
    yaml += "    dest: 127.0.0.1:" + std::to_string(10000 + i) + "\n";
  }
  Result<Config> config = ParseConfig(yaml, regex ? "regex" : "exact");
  if (!config.ok()) return config.error();
  return config->routes;
}

struct Case {
  const char* name;
  http::Request request;
  std::optional<size_t> expected;
};

// Mean ns per call over `matches` calls, or -1 when a call routes wrongly.
double NsPerMatch(const std::vector<RouteConfig>& routes, const Case& c,
                  int matches) {
  const int64_t start = ThreadCpuNs();
  for (int i = 0; i < matches; ++i) {
    if (MatchRoute(routes, c.request) != c.expected) return -1;
  }
  return static_cast<double>(ThreadCpuNs() - start) / matches;
}

int Main(int argc, char** argv) {
  auto flags = Flags::Parse(ArgsFromArgv({argv + 1, argv + argc}),
                            {.values = {"routes", "rounds", "matches"}});
  if (!flags.ok()) {
    std::fprintf(stderr, "route_match_bench: %s\n", flags.message().c_str());
    return 2;
  }
  auto routes_flag = flags->GetInt("routes");
  auto rounds_flag = flags->GetInt("rounds");
  auto matches_flag = flags->GetInt("matches");
  if (!routes_flag.ok() || !rounds_flag.ok() || !matches_flag.ok()) {
    std::fprintf(stderr,
                 "route_match_bench: --routes, --rounds and --matches take "
                 "integers\n");
    return 2;
  }
  // An even count, so the last route is a prefix (or /[0-9a-f-]+) route.
  const int n =
      static_cast<int>(std::max<int64_t>(2, routes_flag->value_or(20)));
  const int rounds =
      static_cast<int>(std::max<int64_t>(1, rounds_flag->value_or(7)));
  const int matches =
      static_cast<int>(std::max<int64_t>(1, matches_flag->value_or(200000)));
  const int last = n % 2 == 0 ? n - 1 : n - 2;

  auto request = [](std::string path) {
    http::Request r;
    r.method = "GET";
    r.path = std::move(path);
    return r;
  };
  const std::vector<Case> cases = {
      {"first", request("/svc0/items"), 0},
      {"last", request("/svc" + std::to_string(last) + "/items/0af3-9c"),
       static_cast<size_t>(last)},
      {"none", request("/other/items/0af3-9c"), std::nullopt},
  };
  std::printf("%d routes, %d calls per round, least of %d rounds\n", n, matches,
              rounds);
  for (bool regex : {false, true}) {
    auto routes = Table(n, regex);
    if (!routes.ok()) {
      std::fprintf(stderr, "route_match_bench: %s\n", routes.message().c_str());
      return 1;
    }
    for (const Case& c : cases) {
      std::vector<double> ns;
      for (int round = 0; round < rounds; ++round) {
        ns.push_back(NsPerMatch(*routes, c, matches));
        if (ns.back() < 0) {
          std::fprintf(stderr,
                       "route_match_bench: %s routes a '%s' request "
                       "wrongly\n",
                       regex ? "regex" : "exact/prefix", c.name);
          return 1;
        }
      }
      std::printf("%-12s %-5s %8.1f ns/match\n",
                  regex ? "regex" : "exact/prefix", c.name,
                  *std::min_element(ns.begin(), ns.end()));
    }
  }
  return 0;
}

}  // namespace
}  // namespace staticship::gateway

int main(int argc, char** argv) {
  return staticship::gateway::Main(argc, argv);
}
