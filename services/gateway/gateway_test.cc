// Drives the gateway through real loopback sockets against test upstreams
// built on the same HTTP server library (ports chosen by the kernel).
#include "services/gateway/gateway.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/archive/gzip.h"
#include "common/http/client.h"
#include "common/http/server.h"
#include "common/http/testing/raw_connection.h"
#include "common/testing/ports.h"
#include "services/gateway/gzip.h"

namespace staticship::gateway {
namespace {

using namespace std::chrono_literals;
using http::testing::RawConnection;
using staticship::testing::DeadPort;

// A test upstream: /echo reports what it received, /status/N answers N,
// /delay/MS answers after MS milliseconds (without blocking its loop),
// /big and /encoded return 4 KiB of text, /hop sends hop-by-hop headers,
// /health answers set_health()'s status (200 at first; 0: never answers)
// and is not counted in hits().
class TestUpstream {
 public:
  explicit TestUpstream(std::string name) : name_(std::move(name)) {
    http::ServerOptions o;
    o.workers = 1;
    auto s =
        http::Server::Create(o, [this](http::Request req, http::Responder r) {
          Handle(std::move(req), std::move(r));
        });
    EXPECT_TRUE(s.ok());
    server_ = std::move(*s);
    EXPECT_TRUE(server_->Start().ok());
  }
  uint16_t port() const { return server_->port(); }
  std::string endpoint() const { return "127.0.0.1:" + std::to_string(port()); }
  int hits() const { return hits_.load(); }
  int health_hits() const { return health_hits_.load(); }
  void set_health(int status) { health_status_ = status; }
  uint64_t connections() const {
    return server_->stats().accepted_total.load();
  }
  int64_t open_connections() const {
    return server_->stats().open_connections.load();
  }
  std::string last_request() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_;
  }

 private:
  void Handle(http::Request req, http::Responder r) {
    if (req.path == "/health") {
      health_hits_++;
      int status = health_status_.load();
      if (status != 0) r.Send(http::Response(status, "health"));
      // 0: the responder goes unanswered, as a hung process would.
      return;
    }
    hits_++;
    std::string seen = req.method + " " + req.target + "\n";
    for (const http::Header& h : req.headers)
      seen += h.name + ": " + h.value + "\n";
    seen += "\n" + req.body;
    {
      std::lock_guard<std::mutex> lock(mu_);
      last_ = seen;
    }
    http::Response resp(200);
    resp.headers.Add("X-Upstream", name_);
    resp.headers.Add("Content-Type", "text/plain");
    const std::string& p = req.path;
    if (p.find("/status/") != std::string::npos) {
      resp.status = std::atoi(p.c_str() + p.find("/status/") + 8);
      resp.body = "status " + std::to_string(resp.status);
    } else if (p.find("/delay/") != std::string::npos) {
      int ms = std::atoi(p.c_str() + p.find("/delay/") + 7);
      resp.body = "delayed";
      r.loop().RunAfter(std::chrono::milliseconds(ms),
                        [r, resp]() mutable { r.Send(std::move(resp)); });
      return;
    } else if (p.find("/big") != std::string::npos) {
      resp.body = std::string(4096, 'b');
    } else if (p.find("/encoded") != std::string::npos) {
      resp.body = std::string(4096, 'e');
      resp.headers.Add("Content-Encoding", "br");
    } else if (p.find("/hop") != std::string::npos) {
      resp.headers.Add("Keep-Alive", "timeout=5");
      resp.headers.Add("Upgrade", "nothing");
      resp.headers.Add("Proxy-Authenticate", "Basic");
      resp.body = "hop";
    } else {
      resp.body = seen;
    }
    r.Send(std::move(resp));
  }

  std::string name_;
  std::unique_ptr<http::Server> server_;
  std::atomic<int> hits_{0};
  std::atomic<int> health_hits_{0};
  std::atomic<int> health_status_{200};
  std::mutex mu_;
  std::string last_;
};

// Time for the breakers, moved by the tests: a breaker's window and open
// time pass without a test sleeping through them.
class ManualClock {
 public:
  CircuitBreaker::NowFn now() {
    return [this] { return start_ + offset_.load(); };
  }
  void Advance(CircuitBreaker::Clock::duration d) {
    offset_ = offset_.load() + d;
  }

 private:
  const CircuitBreaker::Clock::time_point start_ = CircuitBreaker::Clock::now();
  std::atomic<CircuitBreaker::Clock::duration> offset_{
      CircuitBreaker::Clock::duration::zero()};
};

// Waits for something another thread or process does; false if it has not
// happened within `limit` (a bound for failures, never reached on success).
template <typename Condition>
bool Eventually(Condition done, std::chrono::milliseconds limit = 5000ms) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

std::string Replace(std::string s, const std::string& from,
                    const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos;
       at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
  return s;
}

class GatewayTest : public ::testing::Test {
 protected:
  GatewayTest() : a_("A"), b_("B") {}

  // $A, $B, $DEAD and $DEAD2 (two different closed ports) in `yaml` become
  // endpoints.
  std::string Expand(std::string yaml) {
    yaml = Replace(yaml, "$A", a_.endpoint());
    yaml = Replace(yaml, "$B", b_.endpoint());
    yaml = Replace(yaml, "$DEAD2", dead2_);
    return Replace(yaml, "$DEAD", dead_);
  }

  Result<Config> TestConfig(const std::string& yaml) {
    return ParseConfig(Expand("listen: 127.0.0.1:0\nworkers: 2\n" + yaml),
                       "test.yaml");
  }

  void StartGateway(const std::string& yaml, GatewayOptions options = {}) {
    auto config = TestConfig(yaml);
    ASSERT_TRUE(config.ok()) << config.message();
    if (!options.now) options.now = clock_.now();
    options.access_log_sink = [this](std::string_view lines) {
      std::lock_guard<std::mutex> lock(log_mu_);
      log_ += lines;
    };
    auto gw = Gateway::Create(std::move(*config), std::move(options));
    ASSERT_TRUE(gw.ok()) << gw.message();
    gateway_ = std::move(*gw);
    ASSERT_TRUE(gateway_->Start().ok());
  }

  std::string Url(std::string path) {
    return "http://127.0.0.1:" + std::to_string(gateway_->port()) + path;
  }

  http::Response Get(
      std::string path,
      std::vector<std::pair<std::string, std::string>> headers = {}) {
    http::ClientRequest req;
    req.url = Url(path);
    for (auto& [k, v] : headers) req.headers.Add(k, v);
    auto r = client_.Send(req);
    EXPECT_TRUE(r.ok()) << path << ": " << r.message();
    return r.ok() ? std::move(*r) : http::Response(0);
  }

  // Through the gateway's own endpoint, as a scraper sees it.
  std::string Metrics() { return Get("/metrics").body; }

  std::string Log() {
    std::lock_guard<std::mutex> lock(log_mu_);
    return log_;
  }

  ManualClock clock_;
  TestUpstream a_;
  TestUpstream b_;
  const std::string dead_ = "127.0.0.1:" + std::to_string(DeadPort());
  const std::string dead2_ = "127.0.0.1:" + std::to_string(DeadPort());
  http::Client client_;
  std::mutex log_mu_;
  std::string log_;  // outlives gateway_, which flushes into it when destroyed
  std::unique_ptr<Gateway> gateway_;
};

constexpr char kRoutes[] = R"(
upstreams:
  pool: { endpoints: [$A, $B] }
  half-dead: { endpoints: [$DEAD, $B] }
routes:
  - match: /canary/*
    headers: { x-env: canary }
    dest: $B
  - match: /canary/*
    query: { region: cn }
    methods: [GET]
    dest: $B
  - match: /canary/*
    dest: $A
  - match: /rr/*
    dest: pool
  - match: /failover/*
    dest: half-dead
  - match: /exact
    respond: { status: 201, body: 'exact', content_type: text/plain }
)";

TEST_F(GatewayTest, RoutesByPathMethodHeaderAndQueryInFileOrder) {
  StartGateway(kRoutes);
  EXPECT_EQ(*Get("/canary/x", {{"X-Env", "canary"}}).headers.Get("x-upstream"),
            "B");
  EXPECT_EQ(*Get("/canary/x?region=cn").headers.Get("x-upstream"), "B");
  EXPECT_EQ(*Get("/canary/x?region=us").headers.Get("x-upstream"), "A");
  EXPECT_EQ(*Get("/canary/x", {{"X-Env", "prod"}}).headers.Get("x-upstream"),
            "A");
  auto post = client_.Post(Url("/canary/x?region=cn"), "body", "text/plain");
  ASSERT_TRUE(post.ok());
  EXPECT_EQ(*post->headers.Get("x-upstream"), "A");  // method condition
  http::Response exact = Get("/exact");
  EXPECT_EQ(exact.status, 201);
  EXPECT_EQ(exact.body, "exact");
  EXPECT_EQ(Get("/exact/more").status, 404);
  http::Response missing = Get("/nothing/here");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body, "{\"error\":\"no route\"}\n");
  EXPECT_EQ(*missing.headers.Get("content-type"), "application/json");
}

// Issue 16: regex routes and regex header/query conditions, in file order
// with the exact and prefix routes around them.
constexpr char kRegexRoutes[] = R"(
routes:
  - path_regex: "^/v1/tasks/[0-9a-f-]+$"
    headers: [{name: x-tenant, regex: "^(a|b)-.*"}]
    dest: $B
  - name: tasks
    path_regex: "^/v1/tasks/[0-9a-f-]+$"
    dest: $A
  - match: /v1/*
    query: [{name: shard, regex: "[0-9]+"}]
    dest: $B
  - match: /v1/*
    respond: { status: 404, body: 'no task route' }
)";

TEST_F(GatewayTest, RoutesByRegexPathAndHeaderAndQueryRegex) {
  StartGateway(kRegexRoutes);
  http::Response tenant_a = Get("/v1/tasks/0af3-9c", {{"X-Tenant", "a-42"}});
  EXPECT_EQ(tenant_a.status, 200);
  EXPECT_EQ(*tenant_a.headers.Get("x-upstream"), "B");
  EXPECT_EQ(tenant_a.body.rfind("GET /v1/tasks/0af3-9c\n", 0), 0u)
      << tenant_a.body;
  EXPECT_EQ(
      *Get("/v1/tasks/0af3", {{"x-tenant", "b-"}}).headers.Get("x-upstream"),
      "B");
  // The header regex matches the whole value: "xa-1" is not "^(a|b)-.*".
  EXPECT_EQ(
      *Get("/v1/tasks/0af3", {{"x-tenant", "xa-1"}}).headers.Get("x-upstream"),
      "A");
  EXPECT_EQ(*Get("/v1/tasks/0af3").headers.Get("x-upstream"), "A");
  // The path regex matches the whole path, never the query.
  EXPECT_EQ(*Get("/v1/tasks/0af3?shard=7").headers.Get("x-upstream"), "A");
  http::Response upper = Get("/v1/tasks/0AF3");
  EXPECT_EQ(upper.status, 404);
  EXPECT_EQ(upper.body, "no task route");
  EXPECT_EQ(Get("/v1/tasks/0af3/x", {{"x-tenant", "a-1"}}).status, 404);
  EXPECT_EQ(*Get("/v1/other?shard=12").headers.Get("x-upstream"), "B");
  EXPECT_EQ(Get("/v1/other?shard=12x").status, 404);
  EXPECT_EQ(a_.hits(), 3);
  EXPECT_EQ(b_.hits(), 3);
  EXPECT_NE(Metrics().find("route=\"tasks\""), std::string::npos);
}

TEST_F(GatewayTest, ReloadKeepsTheBreakerOfAnUnchangedRegexRoute) {
  const std::string yaml = R"(
breaker: { error_ratio: 0.5, window: 10s, min_requests: 2, open_for: 60s, half_open_probes: 1 }
routes:
  - path_regex: /flaky/status/[0-9]+
    dest: $A
  - match: /v
    respond: { status: 200, body: one }
)";
  StartGateway(yaml);
  EXPECT_EQ(Get("/flaky/status/500").status, 500);
  EXPECT_EQ(Get("/flaky/status/500").status, 500);
  ASSERT_EQ(Get("/flaky/status/200").status, 503);  // open
  auto other = TestConfig(Replace(yaml, "body: one", "body: two"));
  ASSERT_TRUE(other.ok()) << other.message();
  ASSERT_TRUE(gateway_->Reload(std::move(*other)).ok());
  EXPECT_EQ(Get("/v").body, "two");
  EXPECT_EQ(Get("/flaky/status/200").status, 503);  // still open
  // Another pattern is another set of requests: a new breaker.
  auto changed = TestConfig(Replace(yaml, "[0-9]+", "[0-9]{3}"));
  ASSERT_TRUE(changed.ok()) << changed.message();
  ASSERT_TRUE(gateway_->Reload(std::move(*changed)).ok());
  EXPECT_EQ(Get("/flaky/status/200").status, 200);
  EXPECT_EQ(a_.hits(), 3);
}

TEST_F(GatewayTest, ForwardsHeadersLikeAProxy) {
  StartGateway(kRoutes);
  http::Response r =
      Get("/canary/echo?q=1", {{"X-Custom", "kept"},
                               {"Connection", "keep-alive, X-Secret"},
                               {"X-Secret", "hop"},
                               {"TE", "trailers"},
                               {"Proxy-Authorization", "Basic x"},
                               {"X-Forwarded-For", "10.0.0.1"}});
  ASSERT_EQ(r.status, 200);
  std::string seen = a_.last_request();
  EXPECT_NE(seen.find("GET /canary/echo?q=1\n"), std::string::npos) << seen;
  EXPECT_NE(seen.find("X-Custom: kept\n"), std::string::npos);
  EXPECT_NE(seen.find("X-Forwarded-For: 10.0.0.1, 127.0.0.1\n"),
            std::string::npos)
      << seen;
  EXPECT_NE(seen.find("X-Request-Id: "), std::string::npos);
  EXPECT_EQ(seen.find("X-Secret"), std::string::npos) << seen;
  EXPECT_EQ(seen.find("TE:"), std::string::npos);
  EXPECT_EQ(seen.find("Proxy-Authorization"), std::string::npos);
  EXPECT_EQ(seen.find("Connection"), std::string::npos);
  ASSERT_NE(r.headers.Get("x-request-id"), nullptr);
  EXPECT_EQ(r.headers.Get("x-request-id")->size(), 32u);
  // A client-supplied request id is kept end to end.
  http::Response mine = Get("/canary/echo", {{"X-Request-Id", "abc-123"}});
  EXPECT_EQ(*mine.headers.Get("x-request-id"), "abc-123");
  EXPECT_NE(a_.last_request().find("X-Request-Id: abc-123\n"),
            std::string::npos);
  // Hop-by-hop headers of the response are dropped too.
  http::Response hop = Get("/canary/hop");
  EXPECT_EQ(hop.body, "hop");
  EXPECT_FALSE(hop.headers.Has("keep-alive"));
  EXPECT_FALSE(hop.headers.Has("upgrade"));
  EXPECT_FALSE(hop.headers.Has("proxy-authenticate"));
}

TEST_F(GatewayTest, RoundRobinKeepAliveAndFailover) {
  StartGateway(kRoutes);
  int from_a = 0;
  int from_b = 0;
  for (int i = 0; i < 20; ++i) {
    http::Response r = Get("/rr/x");
    ASSERT_EQ(r.status, 200);
    (*r.headers.Get("x-upstream") == "A" ? from_a : from_b)++;
  }
  EXPECT_EQ(from_a, 10);
  EXPECT_EQ(from_b, 10);
  // Upstream connections are pooled: far fewer than requests (at most one
  // per worker and endpoint here, as the client is sequential).
  EXPECT_LE(a_.connections(), 2u);
  EXPECT_LE(b_.connections(), 2u);
  // A refused connect moves to the next endpoint once; all succeed.
  for (int i = 0; i < 6; ++i) {
    http::Response r = Get("/failover/x");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(*r.headers.Get("x-upstream"), "B");
  }
  EXPECT_NE(
      gateway_->RenderMetrics().find("gateway_upstream_errors_total{route=\"/"
                                     "failover/*\",kind=\"connect\"} 0"),
      std::string::npos);
}

TEST_F(GatewayTest, ConnectFailureMovesToTheNextEndpointOnce) {
  StartGateway(R"(
upstreams:
  mostly-dead: { endpoints: [$DEAD, $DEAD2, $A] }
routes:
  - match: /*
    dest: mostly-dead
)");
  // Round robin starts at the first endpoint: it and the next one refuse,
  // and the live third is not tried.
  http::Response r = Get("/x");
  EXPECT_EQ(r.status, 502);
  EXPECT_EQ(r.body, "{\"error\":\"bad gateway\"}\n");
  EXPECT_EQ(a_.hits(), 0);
  EXPECT_NE(Metrics().find("gateway_upstream_errors_total{route=\"/*\","
                           "kind=\"connect\"} 1\n"),
            std::string::npos);
  // Both refusals took their endpoint out of the rotation (fail_timeout):
  // the live one still serves.
  for (int i = 0; i < 3; ++i) {
    http::Response next = Get("/x");
    ASSERT_EQ(next.status, 200);
    EXPECT_EQ(*next.headers.Get("x-upstream"), "A");
  }
  gateway_->Drain();  // flushes the access log
  // The failed request's upstream is the last endpoint it tried.
  EXPECT_NE(Log().find("GET /x /* 502 " + dead2_ + " "), std::string::npos)
      << Log();
}

// Per endpoint and worker: one client connection pipelining keeps all the
// requests on one worker, and so on one pool.
TEST_F(GatewayTest, KeepAlivePoolIsBounded) {
  StartGateway(R"(
upstreams:
  bounded: { endpoints: [$A], max_connections: 2, max_idle: 1 }
routes:
  - match: /*
    dest: bounded
)");
  RawConnection c(gateway_->port());
  std::string five;
  for (int i = 0; i < 5; ++i)
    five += "GET /delay/300 HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_TRUE(c.Send(five));
  std::vector<int> statuses;
  for (int i = 0; i < 5; ++i) {
    auto r = c.ReadResponse();
    ASSERT_TRUE(r);
    statuses.push_back(r->status);
    if (r->status == 503) {
      EXPECT_EQ(r->body, "{\"error\":\"upstream overloaded\"}\n");
    }
  }
  EXPECT_EQ(statuses, (std::vector<int>{200, 200, 503, 503, 503}));
  EXPECT_EQ(a_.connections(), 2u);
  // Both finished; only max_idle of them stay open for reuse.
  Eventually([this] { return a_.open_connections() <= 1; });
  EXPECT_EQ(a_.open_connections(), 1);
  ASSERT_TRUE(c.Send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto reused = c.ReadResponse();
  ASSERT_TRUE(reused);
  EXPECT_EQ(reused->status, 200);
  EXPECT_EQ(a_.connections(), 2u);  // the idle one served it
  EXPECT_NE(
      Metrics().find("gateway_rejected_total{reason=\"upstream_pool\"} 3"),
      std::string::npos);
}

TEST_F(GatewayTest, TimeoutCoversTheWholeExchange) {
  // A listener whose accept queue is full: further SYNs are dropped, so a
  // connect to it hangs, on loopback.
  Result<staticship::testing::Listener> full =
      staticship::testing::ListenOnLoopback(0);
  ASSERT_TRUE(full.ok()) << full.message();
  const sockaddr_in addr = full->address();
  std::vector<int> fillers;
  for (int i = 0; i < 3; ++i) {
    int f = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    ::connect(f, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr));
    fillers.push_back(f);
  }
  // The first handshake completes into the accept queue, which fills it.
  pollfd first{fillers[0], POLLOUT, 0};
  ASSERT_EQ(::poll(&first, 1, 5000), 1);
  StartGateway(R"(
routes:
  - match: /slow/*
    dest: $A
    timeout: 200ms
  - match: /stuck
    dest: 127.0.0.1:)" +
               std::to_string(full->port) + R"(
    timeout: 300ms
)");
  auto start = std::chrono::steady_clock::now();
  http::Response r = Get("/slow/delay/2000");
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.status, 504);
  EXPECT_EQ(r.body, "{\"error\":\"upstream timeout\"}\n");
  EXPECT_GE(took, 190ms);
  EXPECT_LT(took, 1500ms);
  EXPECT_EQ(Get("/slow/delay/10").status, 200);
  // The connect itself runs into the route timeout.
  start = std::chrono::steady_clock::now();
  EXPECT_EQ(Get("/stuck").status, 504);
  took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, 290ms);
  EXPECT_LT(took, 1500ms);
  std::string m = gateway_->RenderMetrics();
  EXPECT_NE(m.find("gateway_upstream_timeouts_total{route=\"/slow/*\"} 1"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("gateway_upstream_timeouts_total{route=\"/stuck\"} 1"),
            std::string::npos)
      << m;
  for (int f : fillers) ::close(f);
}

TEST_F(GatewayTest, FallbackServedWhenTheRouteTimesOut) {
  StartGateway(R"(
routes:
  - match: /slow/*
    dest: $A
    timeout: 200ms
    fallback: /degraded
  - match: /degraded
    respond: { status: 200, body: '{"degraded":true}', content_type: application/json }
)");
  auto start = std::chrono::steady_clock::now();
  http::Response r = Get("/slow/delay/2000");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "{\"degraded\":true}");
  EXPECT_EQ(*r.headers.Get("content-type"), "application/json");
  EXPECT_NE(
      Metrics().find("gateway_upstream_timeouts_total{route=\"/slow/*\"} 1\n"),
      std::string::npos);
}

TEST_F(GatewayTest, BreakerOpensServesFallbackAndRecovers) {
  StartGateway(R"(
breaker: { error_ratio: 0.5, window: 10s, min_requests: 4, open_for: 400ms, half_open_probes: 1 }
routes:
  - match: /flaky/*
    dest: $A
    fallback: /degraded
  - match: /strict/*
    dest: $B
  - match: /degraded
    respond: { status: 200, body: '{"degraded":true}', content_type: application/json }
)");
  // Failures are answered with the fallback, and counted.
  for (int i = 0; i < 4; ++i) {
    http::Response r = Get("/flaky/status/500");
    EXPECT_EQ(r.body, "{\"degraded\":true}");
  }
  EXPECT_EQ(a_.hits(), 4);
  EXPECT_NE(gateway_->RenderMetrics().find(
                "gateway_breaker_state{route=\"/flaky/*\"} 1"),
            std::string::npos);
  // Open: rejected at once, the upstream sees nothing, even for requests
  // that would succeed; and the rejections do not prolong the open state.
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(Get("/flaky/status/200").body, "{\"degraded\":true}");
  }
  EXPECT_EQ(a_.hits(), 4);
  clock_.Advance(450ms);
  // Half-open: one probe goes through; success closes the breaker.
  http::Response probe = Get("/flaky/status/200");
  EXPECT_EQ(probe.status, 200);
  EXPECT_EQ(probe.body, "status 200");
  EXPECT_EQ(a_.hits(), 5);
  EXPECT_EQ(Get("/flaky/status/200").status, 200);
  EXPECT_EQ(a_.hits(), 6);

  // 4xx are not failures.
  for (int i = 0; i < 6; ++i) EXPECT_EQ(Get("/strict/status/404").status, 404);
  EXPECT_EQ(Get("/strict/status/200").status, 200);
  // Without a fallback an open breaker answers 503; 5xx pass through first.
  for (int i = 0; i < 10; ++i) Get("/strict/status/503");
  http::Response open = Get("/strict/status/200");
  EXPECT_EQ(open.status, 503);
  EXPECT_EQ(open.body, "{\"error\":\"circuit open\"}\n");
  EXPECT_NE(gateway_->RenderMetrics().find(
                "gateway_rejected_total{reason=\"breaker\"}"),
            std::string::npos);
}

TEST_F(GatewayTest, TimeoutsAndConnectErrorsOpenTheBreaker) {
  StartGateway(R"(
breaker: { error_ratio: 0.5, window: 10s, min_requests: 3, open_for: 60s, half_open_probes: 1 }
routes:
  - match: /slow/*
    dest: $A
    timeout: 100ms
  - match: /dead/*
    dest: $DEAD
)");
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Get("/slow/delay/1000").status, 504);
    EXPECT_EQ(Get("/dead/x").status, 502);
  }
  EXPECT_EQ(a_.hits(), 3);
  // Open: answered at once, without an exchange with the upstream.
  http::Response slow = Get("/slow/delay/1000");
  EXPECT_EQ(slow.status, 503);
  EXPECT_EQ(slow.body, "{\"error\":\"circuit open\"}\n");
  EXPECT_EQ(a_.hits(), 3);
  EXPECT_EQ(Get("/dead/x").status, 503);
  std::string m = Metrics();
  for (const char* want :
       {"gateway_breaker_state{route=\"/slow/*\"} 1\n",
        "gateway_breaker_state{route=\"/dead/*\"} 1\n",
        "gateway_upstream_timeouts_total{route=\"/slow/*\"} 3\n",
        "gateway_upstream_errors_total{route=\"/dead/*\",kind=\"connect\"} "
        "3\n"}) {
    EXPECT_NE(m.find(want), std::string::npos) << want << "\n" << m;
  }
}

TEST_F(GatewayTest, PoolLimitIsNotABreakerFailure) {
  StartGateway(R"(
breaker: { error_ratio: 0.5, window: 10s, min_requests: 2, open_for: 60s, half_open_probes: 1 }
upstreams:
  one-at-a-time: { endpoints: [$A], max_connections: 1 }
routes:
  - match: /*
    dest: one-at-a-time
)");
  // Pipelined on one connection, so on one worker's pool: the first request
  // holds its only connection and the others meet the limit.
  RawConnection c(gateway_->port());
  ASSERT_TRUE(
      c.Send("GET /delay/200 HTTP/1.1\r\nHost: x\r\n\r\n"
             "GET /x HTTP/1.1\r\nHost: x\r\n\r\n"
             "GET /x HTTP/1.1\r\nHost: x\r\n\r\n"
             "GET /x HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::vector<int> statuses;
  for (int i = 0; i < 4; ++i) {
    auto r = c.ReadResponse();
    ASSERT_TRUE(r);
    statuses.push_back(r->status);
  }
  EXPECT_EQ(statuses, (std::vector<int>{200, 503, 503, 503}));
  EXPECT_NE(Metrics().find("gateway_breaker_state{route=\"/*\"} 0\n"),
            std::string::npos);
  EXPECT_EQ(Get("/x").status, 200);
}

TEST_F(GatewayTest, QpsLimitAnswers429) {
  StartGateway(R"(
limits: { qps: 2, burst: 3 }
routes:
  - match: /*
    dest: $A
)");
  int ok = 0;
  int limited = 0;
  for (int i = 0; i < 6; ++i) {
    int s = Get("/x").status;
    if (s == 200) ok++;
    if (s == 429) limited++;
  }
  EXPECT_EQ(ok, 3);
  EXPECT_EQ(limited, 3);
  // Own endpoints are not rate limited.
  EXPECT_EQ(Get("/health").status, 200);
  EXPECT_NE(gateway_->RenderMetrics().find(
                "gateway_rejected_total{reason=\"qps\"} 3"),
            std::string::npos);
}

TEST_F(GatewayTest, ConnectionAndSizeLimits) {
  StartGateway(R"(
limits: { max_connections: 3, max_header_bytes: 1024, max_body_bytes: 100, header_timeout: 300ms, idle_timeout: 400ms }
routes:
  - match: /*
    dest: $A
)");
  uint16_t port = gateway_->port();
  {
    RawConnection c(port);
    ASSERT_TRUE(c.Send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " +
                       std::string(2000, 'a') + "\r\n\r\n"));
    auto r = c.ReadResponse();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 431);
    EXPECT_TRUE(c.WaitForClose());
  }
  {
    RawConnection c(port);
    ASSERT_TRUE(
        c.Send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\n\r\n"));
    auto r = c.ReadResponse();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
  }
  {
    RawConnection slowloris(port);
    ASSERT_TRUE(slowloris.Send("GET / HTTP/1.1\r\nHost: x\r\n"));
    auto r = slowloris.ReadResponse("GET", 3000ms);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 408);
    EXPECT_TRUE(slowloris.WaitForClose());
  }
  {
    RawConnection idle(port);
    ASSERT_TRUE(idle.Send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_TRUE(idle.ReadResponse());
    EXPECT_TRUE(idle.WaitForClose(3000ms));  // idle_timeout
  }
  // The server closes its side of the lingering ones once it reads ours.
  EXPECT_TRUE(Eventually([this] {
    return gateway_->RenderMetrics().find("gateway_open_connections 0\n") !=
           std::string::npos;
  }));
  RawConnection c1(port), c2(port), c3(port);
  for (RawConnection* c : {&c1, &c2, &c3}) {
    ASSERT_TRUE(c->Send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto r = c->ReadResponse();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
  RawConnection c4(port);
  auto r = c4.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  std::string m = gateway_->RenderMetrics();
  EXPECT_NE(m.find("gateway_rejected_total{reason=\"connections\"} 1"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("gateway_rejected_total{reason=\"header_timeout\"} 1"),
            std::string::npos);
  EXPECT_NE(m.find("gateway_open_connections 3"), std::string::npos);
}

TEST_F(GatewayTest, Http11CorrectnessAndSmugglingDefence) {
  StartGateway(R"(
routes:
  - match: /*
    dest: $A
)");
  uint16_t port = gateway_->port();
  {
    // Pipelining: answers in order even when the first is slower.
    RawConnection c(port);
    ASSERT_TRUE(c.Send(
        "GET /delay/100 HTTP/1.1\r\nHost: x\r\n\r\n"
        "GET /echo1 HTTP/1.1\r\nHost: x\r\n\r\n"
        "POST /echo2 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        "3\r\nabc\r\n0\r\n\r\n"
        "GET /last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    auto r1 = c.ReadResponse();
    auto r2 = c.ReadResponse();
    auto r3 = c.ReadResponse();
    auto r4 = c.ReadResponse();
    ASSERT_TRUE(r1 && r2 && r3 && r4);
    EXPECT_EQ(r1->body, "delayed");
    EXPECT_EQ(r2->body.rfind("GET /echo1\n", 0), 0u);
    // The chunked body reaches the upstream de-chunked with a length.
    EXPECT_EQ(r3->body.rfind("POST /echo2\n", 0), 0u);
    EXPECT_NE(r3->body.find("Content-Length: 3\n"), std::string::npos)
        << r3->body;
    EXPECT_EQ(r3->body.substr(r3->body.size() - 5), "\n\nabc");
    EXPECT_EQ(r4->body.rfind("GET /last\n", 0), 0u);
    EXPECT_FALSE(r4->keep_alive);
    EXPECT_TRUE(c.WaitForClose());
  }
  {
    RawConnection c(port);
    ASSERT_TRUE(c.Send("GET /old HTTP/1.0\r\n\r\n"));
    auto r = c.ReadResponse();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_TRUE(c.WaitForClose());
  }
  int hits_before = a_.hits();
  for (const char* smuggle :
       {"POST /s HTTP/1.1\r\nHost: x\r\nContent-Length: "
        "6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nX",
        "POST /s HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nContent-Length: "
        "5\r\n\r\nabcdef",
        "POST /s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
        "chunked\r\n\r\nzz\r\n",
        "GET /s HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n\tfolded\r\n\r\n"}) {
    RawConnection c(port);
    ASSERT_TRUE(c.Send(smuggle));
    auto r = c.ReadResponse();
    ASSERT_TRUE(r) << smuggle;
    EXPECT_EQ(r->status, 400) << smuggle;
    EXPECT_TRUE(c.WaitForClose()) << smuggle;
  }
  EXPECT_EQ(a_.hits(), hits_before);  // nothing reached the upstream
  // Garbage never wedges the gateway.
  {
    RawConnection c(port);
    ASSERT_TRUE(
        c.Send(std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11) +
               "\r\n\r\n"));
    auto r = c.ReadResponse();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
  }
  EXPECT_EQ(Get("/after").status, 200);
}

TEST_F(GatewayTest, ChunkedUpstreamResponse) {
  // A raw upstream that answers with a chunked body.
  Result<staticship::testing::Listener> upstream =
      staticship::testing::ListenOnLoopback(4);
  ASSERT_TRUE(upstream.ok()) << upstream.message();
  std::thread peer([lfd = upstream->fd.get()] {
    int c = ::accept(lfd, nullptr, nullptr);
    char buf[4096];
    std::string got;
    while (got.find("\r\n\r\n") == std::string::npos) {
      ssize_t n = ::recv(c, buf, sizeof(buf), 0);
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
    }
    std::string reply =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: "
        "text/plain\r\n\r\n"
        "5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n";
    [[maybe_unused]] ssize_t w =
        ::send(c, reply.data(), reply.size(), MSG_NOSIGNAL);
    ::close(c);
  });
  StartGateway("routes:\n  - match: /*\n    dest: 127.0.0.1:" +
               std::to_string(upstream->port) + "\n");
  http::Response r = Get("/c");
  peer.join();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hello, world");
  EXPECT_FALSE(r.headers.Has("transfer-encoding"));
}

TEST_F(GatewayTest, GzipWhenAcceptedAndCompressible) {
  StartGateway(R"(
gzip: { min_bytes: 1024, level: 6 }
routes:
  - match: /*
    dest: $A
)");
  http::Response z = Get("/big", {{"Accept-Encoding", "gzip, br"}});
  EXPECT_EQ(*z.headers.Get("content-encoding"), "gzip");
  EXPECT_EQ(*z.headers.Get("vary"), "Accept-Encoding");
  EXPECT_LT(z.body.size(), 200u);
  EXPECT_EQ(*archive::Inflate(z.body), std::string(4096, 'b'));
  http::Response plain = Get("/big");
  EXPECT_FALSE(plain.headers.Has("content-encoding"));
  EXPECT_EQ(plain.body, std::string(4096, 'b'));
  http::Response encoded = Get("/encoded", {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(*encoded.headers.Get("content-encoding"), "br");
  EXPECT_EQ(encoded.body, std::string(4096, 'e'));
  http::Response small = Get("/echo", {{"Accept-Encoding", "gzip"}});
  EXPECT_FALSE(small.headers.Has("content-encoding"));
}

TEST_F(GatewayTest, HealthReadyMetricsAndAccessLog) {
  StartGateway(R"(
routes:
  - match: /api/*
    dest: $A
)");
  http::Response health = Get("/health");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, "OK");
  EXPECT_EQ(Get("/ready").status, 200);
  Get("/api/one");
  Get("/api/status/503");
  Get("/api/status/404");
  http::Response m = Get("/metrics");
  EXPECT_EQ(*m.headers.Get("content-type"), "text/plain; version=0.0.4");
  for (const char* want :
       {"# TYPE gateway_requests_total counter\n",
        "gateway_requests_total{route=\"/api/*\",code=\"2xx\"} 1\n",
        "gateway_requests_total{route=\"/api/*\",code=\"4xx\"} 1\n",
        "gateway_requests_total{route=\"/api/*\",code=\"5xx\"} 1\n",
        "# TYPE gateway_request_duration_seconds histogram\n",
        "gateway_request_duration_seconds_bucket{route=\"/api/*\",le=\"+Inf\"} "
        "3\n",
        "gateway_request_duration_seconds_count{route=\"/api/*\"} 3\n",
        "gateway_breaker_state{route=\"/api/*\"} 0\n",
        "gateway_open_connections 1\n",
        "# TYPE gateway_upstream_errors_total counter\n",
        "# TYPE gateway_upstream_timeouts_total counter\n",
        "# TYPE gateway_rejected_total counter\n"}) {
    EXPECT_NE(m.body.find(want), std::string::npos) << want << "\n" << m.body;
  }
  // One HELP/TYPE per family.
  size_t first = m.body.find("# TYPE gateway_requests_total");
  EXPECT_EQ(m.body.find("# TYPE gateway_requests_total", first + 1),
            std::string::npos);
  gateway_->Drain();
  std::string log = Log();
  EXPECT_NE(log.find("GET /api/one /api/* 200 " + a_.endpoint() + " "),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("GET /api/status/503 /api/* 503 "), std::string::npos)
      << log;
  EXPECT_NE(log.find("GET /health - 200 - "), std::string::npos) << log;
  EXPECT_NE(log.find("ms "), std::string::npos);
}

TEST_F(GatewayTest, ReloadSwapsRoutesAtomically) {
  StartGateway("routes:\n  - match: /*\n    dest: $A\n");
  EXPECT_EQ(*Get("/x").headers.Get("x-upstream"), "A");
  // A request in flight during the reload finishes on the old config.
  std::thread slow([this] {
    http::Client c;
    auto r = c.Get(Url("/delay/300"));
    EXPECT_TRUE(r.ok());
    if (r.ok()) {
      EXPECT_EQ(*r->headers.Get("x-upstream"), "A");
    }
  });
  // In flight: the upstream has it.
  EXPECT_TRUE(Eventually([this] { return a_.hits() == 2; }));
  auto next = ParseConfig(Expand("listen: 127.0.0.1:0\nworkers: 1\nroutes:\n  "
                                 "- match: /*\n    dest: $B\n"),
                          "new.yaml");
  ASSERT_TRUE(next.ok());
  auto notes = gateway_->Reload(std::move(*next));
  ASSERT_TRUE(notes.ok());
  EXPECT_NE(notes->find("restart"), std::string::npos);  // workers differ
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(*Get("/x").headers.Get("x-upstream"), "B");
  slow.join();
}

TEST_F(GatewayTest, ReloadKeepsTheBreakerOfAnUnchangedRoute) {
  const std::string yaml = R"(
breaker: { error_ratio: 0.5, window: 10s, min_requests: 2, open_for: 60s, half_open_probes: 1 }
routes:
  - match: /flaky/*
    dest: $A
  - match: /v
    respond: { status: 200, body: one }
)";
  StartGateway(yaml);
  EXPECT_EQ(Get("/flaky/status/500").status, 500);
  EXPECT_EQ(Get("/flaky/status/500").status, 500);
  ASSERT_EQ(Get("/flaky/status/200").status, 503);  // open
  auto other = TestConfig(Replace(yaml, "body: one", "body: two"));
  ASSERT_TRUE(other.ok()) << other.message();
  ASSERT_TRUE(gateway_->Reload(std::move(*other)).ok());
  EXPECT_EQ(Get("/v").body, "two");
  http::Response still = Get("/flaky/status/200");
  EXPECT_EQ(still.status, 503);
  EXPECT_EQ(still.body, "{\"error\":\"circuit open\"}\n");
  EXPECT_EQ(a_.hits(), 2);
  EXPECT_NE(Metrics().find("gateway_breaker_state{route=\"/flaky/*\"} 1\n"),
            std::string::npos);
  // A new destination gets a new breaker: the verdict was on the old one.
  auto moved = TestConfig(Replace(yaml, "dest: $A", "dest: $B"));
  ASSERT_TRUE(moved.ok()) << moved.message();
  ASSERT_TRUE(gateway_->Reload(std::move(*moved)).ok());
  http::Response fresh = Get("/flaky/status/200");
  EXPECT_EQ(fresh.status, 200);
  EXPECT_EQ(*fresh.headers.Get("x-upstream"), "B");
}

TEST_F(GatewayTest, DrainFinishesInFlightAndReportsNotReady) {
  GatewayOptions options;
  options.drain_delay = 300ms;
  StartGateway("routes:\n  - match: /*\n    dest: $A\n", options);
  uint16_t port = gateway_->port();
  RawConnection busy(port);
  ASSERT_TRUE(busy.Send("GET /delay/500 HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(Eventually([this] { return a_.hits() == 1; }));
  std::thread drainer([this] { gateway_->Drain(); });
  // Within drain_delay: /ready answers 503 while listeners still accept.
  EXPECT_TRUE(Eventually([this] { return gateway_->draining(); }));
  {
    RawConnection probe(port);
    ASSERT_TRUE(probe.Send("GET /ready HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto r = probe.ReadResponse();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 503);
  }
  auto r = busy.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "delayed");
  EXPECT_FALSE(r->keep_alive);
  drainer.join();
  RawConnection late(port);
  EXPECT_FALSE(late.connected());
}

TEST_F(GatewayTest, TracesEachRequestFromAcceptToRespond) {
  trace::TraceRecorder recorder(256);
  GatewayOptions options;
  options.trace = &recorder;
  StartGateway(kRoutes, options);
  // Untraced first: nothing is recorded while no trace runs.
  EXPECT_EQ(Get("/canary/x").status, 200);
  ASSERT_TRUE(recorder.Start().ok());
  http::Client fresh;  // a new connection, so that it is accepted in the trace
  auto r = fresh.Get(Url("/canary/traced"));
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r->status, 200);
  // "respond" and "request" end after the response is written, so the
  // client may read it before the worker records them.
  std::this_thread::sleep_for(100ms);
  trace::Trace trace = recorder.Stop();
  std::map<std::string, const trace::Event*> spans;
  for (size_t i = 0; i < trace.size; ++i) {
    spans[trace.events[i].name] = &trace.events[i];
  }
  for (const char* name :
       {"accept", "parse", "route", "upstream", "respond", "request"}) {
    EXPECT_EQ(spans.count(name), 1u) << name;
  }
  ASSERT_EQ(spans.size(), 6u);
  auto text = [](const trace::Event* e) {
    return std::string(e->text, e->text_size);
  };
  EXPECT_EQ(text(spans["parse"]), "/canary/traced");
  EXPECT_EQ(text(spans["route"]), "/canary/*");  // named by its match
  EXPECT_EQ(text(spans["upstream"]), a_.endpoint());
  EXPECT_EQ(spans["upstream"]->number, 200);
  EXPECT_EQ(spans["request"]->number, 200);
  // In order: each begins no earlier than the one before it.
  EXPECT_LE(spans["accept"]->start_ns, spans["parse"]->start_ns);
  EXPECT_LE(spans["parse"]->start_ns + spans["parse"]->duration_ns,
            spans["route"]->start_ns + spans["route"]->duration_ns);
  EXPECT_LE(spans["route"]->start_ns + spans["route"]->duration_ns,
            spans["upstream"]->start_ns);
  EXPECT_LE(spans["upstream"]->start_ns + spans["upstream"]->duration_ns,
            spans["respond"]->start_ns);
  // The whole request holds them all but accept.
  EXPECT_LE(spans["request"]->start_ns, spans["route"]->start_ns);
}

TEST_F(GatewayTest, MetricsHaveTheProcessFamilies) {
  StartGateway(kRoutes);
  const std::string metrics = Metrics();
  for (const char* name :
       {"process_cpu_seconds_total", "process_resident_memory_bytes",
        "process_virtual_memory_bytes", "process_open_fds", "process_max_fds",
        "process_start_time_seconds", "process_threads"}) {
    EXPECT_NE(metrics.find(std::string("\n") + name + " "), std::string::npos)
        << name;
  }
}

// Sequential requests on one connection: one worker, whose smooth
// weighted round robin is deterministic.
std::string UpstreamsOf(RawConnection& c, const std::string& path, int n) {
  std::string order;
  for (int i = 0; i < n; ++i) {
    EXPECT_TRUE(c.Send("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto r = c.ReadResponse();
    if (!r) return order + "?";
    const std::string* from = r->headers.Get("x-upstream");
    order += r->status == 200 && from != nullptr ? *from : "!";
  }
  return order;
}

TEST_F(GatewayTest, WeightedEndpointsInterleaveSmoothly) {
  StartGateway(R"(
upstreams:
  weighted: { endpoints: [$A, { address: $B, weight: 3 }] }
  with-dead:
    fail_timeout: 30s  # longer than the test, even under emulation
    endpoints:
      - { address: $DEAD, weight: 4 }
      - $A
      - { address: $B, weight: 3 }
routes:
  - { match: /w/*, dest: weighted }
  - { match: /d/*, dest: with-dead }
)");
  RawConnection c(gateway_->port());
  // nginx's order for weights 1 and 3: interleaved, never B B B A.
  EXPECT_EQ(UpstreamsOf(c, "/w/x", 8), "BABBBABB");
  // The dead endpoint wins the first pick; its connect is refused and the
  // runner-up (B) serves. Skipped for fail_timeout, its share goes to A and
  // B in their 1:3 proportion.
  EXPECT_EQ(UpstreamsOf(c, "/d/x", 9), "BBBABBBAB");
  EXPECT_NE(Metrics().find("gateway_upstream_errors_total{route=\"/d/*\","
                           "kind=\"connect\"} 0\n"),
            std::string::npos);
}

TEST_F(GatewayTest, MaxInFlightRejectsBeyondTheLimitAndAlwaysReleases) {
  StartGateway(R"(
routes:
  - { match: /slow/*, dest: $A, max_in_flight: 2 }
  - { match: /short/*, dest: $A, max_in_flight: 1, timeout: 500ms }
  - { match: /dead/*, dest: $DEAD, max_in_flight: 1 }
  - { match: /other/*, dest: $B }
)");
  const std::string slow = "GET /slow/delay/1500 HTTP/1.1\r\nHost: x\r\n\r\n";
  RawConnection c1(gateway_->port());
  RawConnection c2(gateway_->port());
  ASSERT_TRUE(c1.Send(slow));
  ASSERT_TRUE(c2.Send(slow));
  ASSERT_TRUE(Eventually([this] { return a_.hits() == 2; }));
  // A third is answered at once, without reaching the upstream.
  RawConnection c3(gateway_->port());
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(c3.Send(slow));
  auto rejected = c3.ReadResponse();
  ASSERT_TRUE(rejected);
  EXPECT_EQ(rejected->status, 503);
  EXPECT_EQ(rejected->body,
            "{\"error\":\"too many requests in flight on this route\"}\n");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1000ms);
  EXPECT_EQ(a_.hits(), 2);
  EXPECT_EQ(Get("/other/x").status, 200);  // other routes are not limited
  std::string m = Metrics();
  EXPECT_NE(m.find("gateway_route_in_flight{route=\"/slow/*\"} 2\n"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("gateway_route_rejected_total{route=\"/slow/*\","
                   "reason=\"max_in_flight\"} 1\n"),
            std::string::npos)
      << m;
  for (RawConnection* c : {&c1, &c2}) {
    auto r = c->ReadResponse();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
  // Released after success: two fit again.
  EXPECT_EQ(Get("/slow/x").status, 200);
  // After a timeout and after an upstream error, the one slot is free
  // again (a 503 here would mean it leaked).
  EXPECT_EQ(Get("/short/delay/3000").status, 504);
  EXPECT_EQ(Get("/short/x").status, 200);
  EXPECT_EQ(Get("/dead/x").status, 502);
  EXPECT_EQ(Get("/dead/x").status, 502);
  // A client that leaves: its slot is freed when the exchange ends (here
  // when the upstream answers), not held forever.
  {
    RawConnection gone(gateway_->port());
    ASSERT_TRUE(gone.Send(slow));
    ASSERT_TRUE(Eventually([this] {
      return Metrics().find("gateway_route_in_flight{route=\"/slow/*\"} 1\n") !=
             std::string::npos;
    }));
  }
  EXPECT_TRUE(Eventually([this] {
    return Metrics().find("gateway_route_in_flight{route=\"/slow/*\"} 0\n") !=
           std::string::npos;
  }));
  m = Metrics();
  EXPECT_NE(m.find("gateway_route_in_flight{route=\"/short/*\"} 0\n"),
            std::string::npos);
  EXPECT_NE(m.find("gateway_route_rejected_total{route=\"/short/*\","
                   "reason=\"max_in_flight\"} 0\n"),
            std::string::npos)
      << m;
}

TEST_F(GatewayTest, ReloadKeepsTheInFlightCountOfAnUnchangedRoute) {
  const std::string config = R"(
routes:
  - { match: /slow/*, dest: $A, max_in_flight: 1 }
)";
  StartGateway(config);
  RawConnection held(gateway_->port());
  ASSERT_TRUE(held.Send("GET /slow/delay/1500 HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(Eventually([this] { return a_.hits() == 1; }));
  auto same = TestConfig(config);
  ASSERT_TRUE(same.ok()) << same.message();
  ASSERT_TRUE(gateway_->Reload(std::move(*same)).ok());
  // The request from before the reload still holds the one slot.
  EXPECT_EQ(Get("/slow/x").status, 503);
  auto r = held.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(Get("/slow/x").status, 200);
}

TEST_F(GatewayTest, RouteRateLimitAnswers429WithRetryAfter) {
  StartGateway(R"(
routes:
  - { match: /limited/*, dest: $A, rate_limit: { qps: 0.2, burst: 2 } }
  - { match: /free/*, dest: $B }
)");
  int ok = 0;
  int limited = 0;
  for (int i = 0; i < 5; ++i) {
    http::Response r = Get("/limited/x");
    if (r.status == 200) ok++;
    if (r.status == 429) {
      limited++;
      EXPECT_EQ(r.body, "{\"error\":\"route rate limited\"}\n");
      ASSERT_NE(r.headers.Get("retry-after"), nullptr);
      EXPECT_EQ(*r.headers.Get("retry-after"), "5");  // 1 / 0.2 qps
    }
  }
  EXPECT_EQ(ok, 2);  // the burst
  EXPECT_EQ(limited, 3);
  EXPECT_EQ(a_.hits(), 2);
  // The other route is unaffected.
  for (int i = 0; i < 10; ++i) EXPECT_EQ(Get("/free/x").status, 200);
  std::string m = Metrics();
  EXPECT_NE(m.find("gateway_route_rejected_total{route=\"/limited/*\","
                   "reason=\"qps\"} 3\n"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("gateway_requests_total{route=\"/limited/*\","
                   "code=\"4xx\"} 3\n"),
            std::string::npos)
      << m;
  EXPECT_EQ(m.find("route=\"/free/*\",reason=\"qps\""), std::string::npos);
}

TEST_F(GatewayTest, ActiveHealthChecksTakeEndpointsOutAndBack) {
  const std::string config = R"(
upstreams:
  checked:
    endpoints: [$A, $B]
    health_check: { path: /health, interval: 100ms, timeout: 100ms, healthy_threshold: 2, unhealthy_threshold: 2 }
  refused:
    endpoints: [$DEAD, $A]
    health_check: { interval: 100ms, timeout: 100ms }
routes:
  - { match: /c/*, dest: checked }
  - { match: /r/*, dest: refused }
)";
  StartGateway(config);
  auto healthy = [this](const std::string& upstream,
                        const std::string& endpoint, int value) {
    return Metrics().find("gateway_endpoint_healthy{upstream=\"" + upstream +
                          "\",endpoint=\"" + endpoint + "\"} " +
                          std::to_string(value) + "\n") != std::string::npos;
  };
  ASSERT_TRUE(Eventually([&] { return b_.health_hits() >= 2; }));
  EXPECT_TRUE(healthy("checked", b_.endpoint(), 1));
  // A refused probe counts as a failure.
  EXPECT_TRUE(Eventually([&] { return healthy("refused", dead_, 0); }));
  RawConnection c(gateway_->port());
  EXPECT_EQ(UpstreamsOf(c, "/r/x", 4), "AAAA");

  b_.set_health(500);
  auto out_since = std::chrono::steady_clock::now();
  ASSERT_TRUE(Eventually([&] { return healthy("checked", b_.endpoint(), 0); }));
  // Two failures at 100 ms intervals, with slack for emulated runs.
  EXPECT_LT(std::chrono::steady_clock::now() - out_since, 2500ms);
  int b_before = b_.hits();
  EXPECT_EQ(UpstreamsOf(c, "/c/x", 6), "AAAAAA");
  EXPECT_EQ(b_.hits(), b_before);

  b_.set_health(200);
  ASSERT_TRUE(Eventually([&] { return healthy("checked", b_.endpoint(), 1); }));
  std::string back = UpstreamsOf(c, "/c/x", 6);
  EXPECT_EQ(std::count(back.begin(), back.end(), 'B'), 3) << back;

  // A probe that gets no answer within its timeout fails too; with every
  // endpoint out, requests get a clear 503 and reach nobody.
  a_.set_health(0);
  b_.set_health(503);
  ASSERT_TRUE(Eventually([&] {
    return healthy("checked", a_.endpoint(), 0) &&
           healthy("checked", b_.endpoint(), 0);
  }));
  int hits_before = a_.hits() + b_.hits();
  http::Response none = Get("/c/x");
  EXPECT_EQ(none.status, 503);
  EXPECT_EQ(none.body, "{\"error\":\"no healthy upstream endpoint\"}\n");
  EXPECT_EQ(a_.hits() + b_.hits(), hits_before);
  // A reload keeps the verdicts: still out, before any new probe.
  auto same = TestConfig(config);
  ASSERT_TRUE(same.ok()) << same.message();
  ASSERT_TRUE(gateway_->Reload(std::move(*same)).ok());
  EXPECT_EQ(Get("/c/x").status, 503);
  EXPECT_EQ(a_.hits() + b_.hits(), hits_before);
}

}  // namespace
}  // namespace staticship::gateway
