#include "services/gateway/gateway.h"

#include <sys/random.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <random>
#include <span>
#include <thread>

#include "common/metrics/process_metrics.h"
#include "services/gateway/access_log.h"
#include "services/gateway/forwarding.h"
#include "services/gateway/gzip.h"
#include "services/gateway/health_prober.h"
#include "services/gateway/in_flight_limit.h"
#include "services/gateway/route_matcher.h"
#include "services/gateway/token_bucket.h"
#include "services/gateway/upstream_client.h"

namespace staticship::gateway {
namespace internal {

using Clock = std::chrono::steady_clock;

struct Metrics {
  explicit Metrics(metrics::Registry& r)
      : requests(r.AddCounter("gateway_requests_total",
                              "Requests by route and status class.")),
        latency(r.AddHistogram("gateway_request_duration_seconds",
                               "Request latency by route.",
                               metrics::DefaultBuckets())),
        upstream_errors(
            r.AddCounter("gateway_upstream_errors_total",
                         "Upstream exchanges that failed, by route and kind.")),
        upstream_timeouts(r.AddCounter("gateway_upstream_timeouts_total",
                                       "Upstream exchanges past the route "
                                       "timeout.")),
        breaker_state(r.AddGauge(
            "gateway_breaker_state",
            "Circuit breaker state by route: 0 closed, 1 open, 2 half-open.")),
        open_connections(r.AddGauge("gateway_open_connections",
                                    "Client connections currently open.")),
        rejected(r.AddCounter("gateway_rejected_total",
                              "Requests or connections rejected by a limit.")),
        reloads(r.AddCounter("gateway_config_reloads_total",
                             "Configuration reloads by result.")),
        route_rejected(r.AddCounter(
            "gateway_route_rejected_total",
            "Requests turned away by a route's own limit, by route and "
            "reason (max_in_flight: 503, qps: 429).")),
        route_in_flight(r.AddGauge("gateway_route_in_flight",
                                   "Requests in flight on routes with "
                                   "max_in_flight.")),
        endpoint_healthy(r.AddGauge(
            "gateway_endpoint_healthy",
            "Active health check verdict by upstream and endpoint: 1 in "
            "rotation, 0 out.")) {}

  metrics::Family<metrics::Counter>& requests;
  metrics::Family<metrics::Histogram>& latency;
  metrics::Family<metrics::Counter>& upstream_errors;
  metrics::Family<metrics::Counter>& upstream_timeouts;
  metrics::Family<metrics::Gauge>& breaker_state;
  metrics::Family<metrics::Gauge>& open_connections;
  metrics::Family<metrics::Counter>& rejected;
  metrics::Family<metrics::Counter>& reloads;
  metrics::Family<metrics::Counter>& route_rejected;
  metrics::Family<metrics::Gauge>& route_in_flight;
  metrics::Family<metrics::Gauge>& endpoint_healthy;
};

struct UpstreamRuntime {
  UpstreamConfig config;
  std::vector<std::string> keys;  // endpoint "host:port", computed once
  // Smooth weighted round robin state, one row per worker (a worker only
  // touches its own row: no atomics, no locks), as each nginx worker keeps
  // its own. Rows are a cache line apart.
  size_t row_stride = 0;
  std::unique_ptr<int64_t[]> current_weight;
  // Passive health: a connect failure takes an endpoint out of the rotation
  // until this time (ns on the steady clock); shared by all workers.
  std::unique_ptr<std::atomic<int64_t>[]> down_until;
  // Active health (health_check): written by the prober, read by workers.
  std::unique_ptr<std::atomic<bool>[]> healthy;
  std::vector<metrics::Gauge*> healthy_gauges;  // with health_check only
};

struct RouteRuntime {
  RouteConfig config;
  // Shared with the runtimes before and after a reload that keeps it.
  std::shared_ptr<CircuitBreaker> breaker;
  UpstreamRuntime* upstream = nullptr;
  std::array<metrics::Counter*, 5> by_class{};  // 1xx..5xx
  metrics::Histogram* latency = nullptr;
  metrics::Counter* timeouts = nullptr;
  metrics::Counter* connect_errors = nullptr;
  metrics::Counter* other_errors = nullptr;
  metrics::Gauge* breaker_state = nullptr;
  // Shared with the runtimes before and after a reload that keeps the
  // route's name and limit, so that requests in flight across a reload
  // stay counted.
  std::shared_ptr<InFlightLimit> in_flight;
  metrics::Counter* rejected_in_flight = nullptr;
  metrics::Gauge* in_flight_gauge = nullptr;
  std::unique_ptr<TokenBucket> bucket;  // rate_limit
  std::string retry_after;              // seconds, for 429s of `bucket`
  metrics::Counter* rejected_qps = nullptr;
};

struct Runtime {
  Config config;
  std::map<std::string, std::unique_ptr<UpstreamRuntime>> upstreams;
  std::vector<std::unique_ptr<RouteRuntime>> routes;
  std::unique_ptr<TokenBucket> bucket;
};

struct WorkerState {
  size_t index = 0;  // the server loop's
  std::shared_ptr<const Runtime> runtime;
  uint64_t version = 0;
  std::unique_ptr<UpstreamClient> upstream;
  std::string log;
  bool flush_scheduled = false;
  std::mt19937_64 rng;
};

struct Call {
  http::Request request;
  http::Responder responder;
  std::shared_ptr<const Runtime> runtime;  // kept for the whole exchange
  // Released by Complete, or at the latest when the call dies (after
  // `runtime`, which owns the limit).
  InFlightLimit::Slot in_flight;
  Clock::time_point start;
  std::string request_id;
  bool generated_id = false;  // not in request.headers: added when forwarding
  RouteRuntime* route_rt = nullptr;
  bool own_endpoint = false;  // /health, /ready, /metrics
  std::string upstream = "-";

  // The upstream exchange in progress (set by Serve). The exchange's
  // callback captures only the shared_ptr to this Call, small enough for
  // std::function to store without allocating.
  Gateway* gateway = nullptr;
  WorkerState* worker = nullptr;
  size_t route_index = 0;
  CircuitBreaker::Ticket ticket;
  bool allow_fallback = false;
  int64_t trace_upstream_ns = 0;  // while a trace runs

  Call(http::Request r, http::Responder resp)
      : request(std::move(r)), responder(std::move(resp)) {}
  std::string_view route() const {
    return route_rt ? std::string_view(route_rt->config.name) : "-";
  }
};

}  // namespace internal

namespace {

using internal::Call;
using internal::Clock;
using internal::RouteRuntime;
using internal::Runtime;
using internal::UpstreamRuntime;
using internal::WorkerState;

http::Response JsonResponse(int status, std::string body) {
  http::Response r(status, std::move(body));
  r.headers.Add("Content-Type", "application/json");
  return r;
}

http::Response TextResponse(int status, std::string body) {
  http::Response r(status, std::move(body));
  r.headers.Add("Content-Type", "text/plain; charset=utf-8");
  return r;
}

bool IsIdempotent(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS" ||
         method == "PUT" || method == "DELETE" || method == "TRACE";
}

// A trace's spans and the request's own clock are both the steady clock.
int64_t SteadyNanos(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             t.time_since_epoch())
      .count();
}

// nginx's smooth weighted round robin over this worker's row: every live
// endpoint gains its weight, the largest total wins and pays the sum, so
// weights 1 and 3 give B A B B, never bursts. Endpoints out of the
// rotation do not take part, so their share goes to the others in
// proportion. Out: failed a connect within fail_timeout (passive) or
// judged unhealthy by the prober (active). When every endpoint failed a
// connect, the healthy ones are tried anyway (better a try than a certain
// failure); when the prober judged all unhealthy, none is: returns 0.
// The second candidate is the runner-up, for a connect failure. Fills
// `out` (no allocation: this runs per request) and returns how many.
size_t PickCandidates(UpstreamRuntime& u, size_t worker, Clock::time_point now,
                      std::array<Candidate, 2>& out) {
  const size_t n = u.config.endpoints.size();
  const int64_t now_ns = SteadyNanos(now);
  int64_t* current = &u.current_weight[worker * u.row_stride];
  auto healthy = [&u](size_t i) {
    return u.healthy[i].load(std::memory_order_relaxed);
  };
  auto up = [&u, now_ns](size_t i) {
    return u.down_until[i].load(std::memory_order_relaxed) <= now_ns;
  };
  bool any_up = false;
  bool any_healthy = false;
  for (size_t i = 0; i < n; ++i) {
    if (healthy(i)) {
      any_healthy = true;
      if (up(i)) any_up = true;
    }
  }
  if (!any_healthy) return 0;
  auto eligible = [&](size_t i) { return healthy(i) && (!any_up || up(i)); };
  int64_t total = 0;
  size_t best = n;
  for (size_t i = 0; i < n; ++i) {
    if (!eligible(i)) continue;
    int64_t w = u.config.endpoints[i].weight;
    current[i] += w;
    total += w;
    if (best == n || current[i] > current[best]) best = i;
  }
  current[best] -= total;
  size_t second = n;
  for (size_t i = 0; i < n; ++i) {
    if (i == best || !eligible(i)) continue;
    if (second == n || current[i] > current[second]) second = i;
  }
  std::array<size_t, 2> order{best, second};
  size_t count = second == n ? 1 : 2;
  int64_t fail_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                        u.config.fail_timeout)
                        .count();
  for (size_t i = 0; i < count; ++i) {
    size_t idx = order[i];
    Candidate& c = out[i];
    c.endpoint = &u.config.endpoints[idx];
    c.key = u.keys[idx];
    std::atomic<int64_t>* down = &u.down_until[idx];
    c.on_connect_failure = [down, fail_ns] {
      down->store(SteadyNanos(Clock::now()) + fail_ns,
                  std::memory_order_relaxed);
    };
  }
  return count;
}

// Request ids only need to be unique, not secret. getrandom(2) needs no
// /dev/urandom, which a scratch image does not have (std::random_device
// throws there with libc++).
uint64_t RandomSeed() {
  uint64_t seed = 0;
  if (::getrandom(&seed, sizeof(seed), GRND_NONBLOCK) !=
      static_cast<ssize_t>(sizeof(seed))) {
    seed = static_cast<uint64_t>(Clock::now().time_since_epoch().count()) ^
           reinterpret_cast<uintptr_t>(&seed);
  }
  return seed;
}

}  // namespace

Gateway::Gateway(GatewayOptions options)
    : options_(std::move(options)),
      metrics_(std::make_unique<internal::Metrics>(registry_)) {
  if (!options_.now) options_.now = [] { return Clock::now(); };
  if (!options_.access_log_sink) {
    options_.access_log_sink = [](std::string_view lines) {
      while (!lines.empty()) {
        ssize_t n = ::write(2, lines.data(), lines.size());
        if (n <= 0) return;
        lines.remove_prefix(static_cast<size_t>(n));
      }
    };
  }
}

Gateway::~Gateway() {
  prober_.Stop();
  // Loops (and the exchanges they hold) go before the upstream pools.
  if (server_) server_->Stop();
  for (auto& w : workers_) {
    if (!w->log.empty()) options_.access_log_sink(w->log);
  }
  server_.reset();
  workers_.clear();
}

namespace {

// Whether a reload may hand route `a`'s breaker to route `b`: the same
// requests (match and its conditions) going to the same endpoints under the
// same breaker settings. Otherwise an open breaker would silently close
// because an unrelated line of the file changed. A new destination starts
// afresh: the breaker's verdict was on the old one.
bool SameBreakerScope(const RouteRuntime& a, const RouteConfig& b,
                      const UpstreamRuntime* b_upstream) {
  const RouteConfig& c = a.config;
  if (c.match != b.match || c.path_regex != b.path_regex ||
      c.methods != b.methods || c.headers != b.headers || c.query != b.query ||
      c.dest != b.dest || c.breaker != b.breaker ||
      (a.upstream == nullptr) != (b_upstream == nullptr)) {
    return false;
  }
  return a.upstream == nullptr || a.upstream->keys == b_upstream->keys;
}

}  // namespace

namespace {

// The endpoints of upstreams with a health_check; the set keeps the runtime
// (which owns the verdict atomics) alive while the prober uses it.
ProbeSet ProbeTargets(const std::shared_ptr<const Runtime>& rt) {
  ProbeSet set;
  set.owner = rt;
  for (const auto& [name, u] : rt->upstreams) {
    if (!u->config.health_check) continue;
    for (size_t i = 0; i < u->config.endpoints.size(); ++i) {
      set.targets.push_back({.endpoint = u->config.endpoints[i],
                             .config = *u->config.health_check,
                             .healthy = &u->healthy[i]});
    }
  }
  return set;
}

}  // namespace

std::shared_ptr<const Runtime> Gateway::BuildRuntime(Config config,
                                                     const Runtime* previous) {
  auto rt = std::make_shared<Runtime>();
  rt->config = std::move(config);
  double burst = rt->config.limits.burst > 0 ? rt->config.limits.burst
                                             : rt->config.limits.qps;
  rt->bucket = std::make_unique<TokenBucket>(rt->config.limits.qps, burst);
  for (const auto& [name, u] : rt->config.upstreams) {
    auto ur = std::make_unique<UpstreamRuntime>();
    ur->config = u;
    for (const Endpoint& e : u.endpoints) ur->keys.push_back(e.key());
    ur->down_until =
        std::make_unique<std::atomic<int64_t>[]>(u.endpoints.size());
    for (size_t i = 0; i < u.endpoints.size(); ++i) ur->down_until[i].store(0);
    // Until the prober says otherwise, as Envoy does with no prior verdict.
    ur->healthy = std::make_unique<std::atomic<bool>[]>(u.endpoints.size());
    for (size_t i = 0; i < u.endpoints.size(); ++i) ur->healthy[i].store(true);
    // A reload keeps the verdicts on endpoints it keeps checking: an
    // endpoint that is down stays out until probes say otherwise.
    if (previous != nullptr && u.health_check) {
      auto old = previous->upstreams.find(name);
      if (old != previous->upstreams.end() &&
          old->second->config.health_check) {
        const UpstreamRuntime& o = *old->second;
        for (size_t i = 0; i < u.endpoints.size(); ++i) {
          for (size_t j = 0; j < o.keys.size(); ++j) {
            if (o.keys[j] == ur->keys[i]) {
              ur->healthy[i].store(o.healthy[j].load());
            }
          }
        }
      }
    }
    if (u.health_check) {
      for (size_t i = 0; i < u.endpoints.size(); ++i) {
        ur->healthy_gauges.push_back(&metrics_->endpoint_healthy.WithLabels(
            {{"upstream", name}, {"endpoint", ur->keys[i]}}));
      }
    }
    constexpr size_t kPerCacheLine = 64 / sizeof(int64_t);
    ur->row_stride = (u.endpoints.size() + kPerCacheLine - 1) / kPerCacheLine *
                     kPerCacheLine;
    ur->current_weight =
        std::make_unique<int64_t[]>(ur->row_stride * workers_.size());
    rt->upstreams.emplace(name, std::move(ur));
  }
  // Each old breaker goes to one new route at most, in file order, so that
  // identical routes keep theirs pairwise.
  std::vector<bool> adopted(previous ? previous->routes.size() : 0, false);
  std::vector<bool> adopted_limit(adopted.size(), false);
  for (const RouteConfig& rc : rt->config.routes) {
    auto r = std::make_unique<RouteRuntime>();
    r->config = rc;
    if (!rc.respond) r->upstream = rt->upstreams.at(rc.dest).get();
    for (size_t i = 0; i < adopted.size() && !r->breaker; ++i) {
      const RouteRuntime& old = *previous->routes[i];
      if (!adopted[i] && SameBreakerScope(old, rc, r->upstream)) {
        adopted[i] = true;
        r->breaker = old.breaker;
      }
    }
    if (!r->breaker) {
      r->breaker = std::make_shared<CircuitBreaker>(rc.breaker, options_.now);
    }
    static constexpr const char* kClasses[] = {"1xx", "2xx", "3xx", "4xx",
                                               "5xx"};
    for (int i = 0; i < 5; ++i) {
      r->by_class[static_cast<size_t>(i)] = &metrics_->requests.WithLabels(
          {{"route", rc.name}, {"code", kClasses[i]}});
    }
    r->latency = &metrics_->latency.WithLabels({{"route", rc.name}});
    r->timeouts = &metrics_->upstream_timeouts.WithLabels({{"route", rc.name}});
    r->connect_errors = &metrics_->upstream_errors.WithLabels(
        {{"route", rc.name}, {"kind", "connect"}});
    r->other_errors = &metrics_->upstream_errors.WithLabels(
        {{"route", rc.name}, {"kind", "other"}});
    r->breaker_state =
        &metrics_->breaker_state.WithLabels({{"route", rc.name}});
    if (rc.max_in_flight > 0) {
      for (size_t i = 0; i < adopted_limit.size() && !r->in_flight; ++i) {
        const RouteRuntime& old = *previous->routes[i];
        if (!adopted_limit[i] && old.in_flight && old.config.name == rc.name &&
            old.in_flight->max() == rc.max_in_flight) {
          adopted_limit[i] = true;
          r->in_flight = old.in_flight;
        }
      }
      if (!r->in_flight) {
        r->in_flight = std::make_shared<InFlightLimit>(rc.max_in_flight);
      }
      r->rejected_in_flight = &metrics_->route_rejected.WithLabels(
          {{"route", rc.name}, {"reason", "max_in_flight"}});
      r->in_flight_gauge =
          &metrics_->route_in_flight.WithLabels({{"route", rc.name}});
    }
    if (rc.rate_limit) {
      r->bucket = std::make_unique<TokenBucket>(rc.rate_limit->qps,
                                                rc.rate_limit->burst);
      // The time one token takes to refill, in whole seconds (at least 1).
      r->retry_after = std::to_string(static_cast<int64_t>(
          std::max(1.0, std::ceil(1.0 / rc.rate_limit->qps))));
      r->rejected_qps = &metrics_->route_rejected.WithLabels(
          {{"route", rc.name}, {"reason", "qps"}});
    }
    rt->routes.push_back(std::move(r));
  }
  return rt;
}

Result<std::unique_ptr<Gateway>> Gateway::Create(Config config,
                                                 GatewayOptions options) {
  std::unique_ptr<Gateway> gw(new Gateway(std::move(options)));
  http::ServerOptions so;
  so.host = config.listen_host;
  so.port = config.listen_port;
  so.workers =
      config.workers > 0
          ? config.workers
          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  so.shared_listener = config.shared_listener;
  so.max_connections = config.limits.max_connections;
  so.limits.max_header_bytes = config.limits.max_header_bytes;
  so.limits.max_body_bytes = config.limits.max_body_bytes;
  so.header_timeout = config.limits.header_timeout;
  so.idle_timeout = config.limits.idle_timeout;
  so.trace = gw->options_.trace;
  for (int i = 0; i < so.workers; ++i) {
    auto w = std::make_unique<WorkerState>();
    w->index = static_cast<size_t>(i);
    w->rng.seed(RandomSeed() ^ (static_cast<uint64_t>(i) << 32));
    gw->workers_.push_back(std::move(w));
  }
  gw->runtime_ = gw->BuildRuntime(std::move(config), nullptr);
  gw->prober_.SetTargets(ProbeTargets(gw->runtime_));
  Gateway* self = gw.get();
  auto server =
      http::Server::Create(so, [self](http::Request req, http::Responder r) {
        self->Handle(std::move(req), std::move(r));
      });
  if (!server.ok()) return server.error();
  gw->server_ = std::move(*server);
  return gw;
}

Status Gateway::Start() {
  Status s = server_->Start();
  if (s.ok()) prober_.Start();
  return s;
}

Result<std::string> Gateway::Reload(Config config) {
  std::string notes;
  std::shared_ptr<const Runtime> previous;
  {
    std::lock_guard<std::mutex> lock(runtime_mu_);
    previous = runtime_;
    const Config& old = runtime_->config;
    if (old.listen_host != config.listen_host ||
        old.listen_port != config.listen_port ||
        old.workers != config.workers ||
        old.shared_listener != config.shared_listener ||
        old.limits.max_connections != config.limits.max_connections ||
        old.limits.max_header_bytes != config.limits.max_header_bytes ||
        old.limits.max_body_bytes != config.limits.max_body_bytes ||
        old.limits.header_timeout != config.limits.header_timeout ||
        old.limits.idle_timeout != config.limits.idle_timeout) {
      notes =
          "listen, workers, listener and connection limits keep their old "
          "values "
          "until restart";
    }
  }
  auto rt = BuildRuntime(std::move(config), previous.get());
  {
    std::lock_guard<std::mutex> lock(runtime_mu_);
    runtime_ = std::move(rt);
    runtime_version_.fetch_add(1);
    prober_.SetTargets(ProbeTargets(runtime_));
  }
  metrics_->reloads.WithLabels({{"result", "ok"}}).Inc();
  return notes;
}

WorkerState& Gateway::StateFor(http::EventLoop& loop) {
  WorkerState& w = *workers_[static_cast<size_t>(loop.index())];
  uint64_t v = runtime_version_.load(std::memory_order_acquire);
  if (w.version != v) {
    std::lock_guard<std::mutex> lock(runtime_mu_);
    w.runtime = runtime_;
    w.version = runtime_version_.load();
  }
  if (!w.upstream) w.upstream = std::make_unique<UpstreamClient>(loop);
  return w;
}

void Gateway::Handle(http::Request request, http::Responder responder) {
  WorkerState& w = StateFor(responder.loop());
  auto call = std::make_shared<Call>(std::move(request), std::move(responder));
  call->runtime = w.runtime;
  call->start = Clock::now();

  // Own endpoints: not routed, not limited, not counted per route.
  const std::string& path = call->request.path;
  call->own_endpoint =
      path == "/health" || path == "/ready" || path == "/metrics";
  if (path == "/health") {
    Complete(w, call, TextResponse(200, "OK"));
    return;
  }
  if (path == "/ready") {
    Complete(w, call,
             draining_.load() ? TextResponse(503, "draining\n")
                              : TextResponse(200, "ready\n"));
    return;
  }
  if (path == "/metrics") {
    http::Response r(200, RenderMetrics());
    r.headers.Add("Content-Type", std::string(metrics::kContentType));
    Complete(w, call, std::move(r));
    return;
  }

  if (const std::string* id = call->request.headers.Get("x-request-id")) {
    call->request_id = *id;
  } else {
    // 32 hex digits; without snprintf, which is slow.
    static constexpr char kHex[] = "0123456789abcdef";
    char buf[32];
    for (int half = 0; half < 2; ++half) {
      uint64_t v = w.rng();
      for (int i = 15; i >= 0; --i) {
        buf[half * 16 + i] = kHex[v & 0xf];
        v >>= 4;
      }
    }
    call->request_id.assign(buf, sizeof(buf));
    // Forwarded by Serve, after the client's headers.
    call->generated_id = true;
  }
  const Runtime& rt = *call->runtime;
  if (!rt.bucket->TryTake(call->start)) {
    metrics_->rejected.WithLabels({{"reason", "qps"}}).Inc();
    Complete(w, call, JsonResponse(429, "{\"error\":\"rate limited\"}\n"));
    return;
  }
  std::optional<size_t> index = MatchRoute(rt.config.routes, call->request);
  if (!index) {
    Complete(w, call, JsonResponse(404, "{\"error\":\"no route\"}\n"));
    return;
  }
  RouteRuntime& route = *rt.routes[*index];
  call->route_rt = &route;
  if (options_.trace != nullptr && options_.trace->active()) {
    options_.trace->End("gateway", "route", SteadyNanos(call->start),
                        {"route", call->route_rt->config.name});
  }
  if (route.bucket && !route.bucket->TryTake(call->start)) {
    route.rejected_qps->Inc();
    http::Response r =
        JsonResponse(429, "{\"error\":\"route rate limited\"}\n");
    r.headers.Add("Retry-After", route.retry_after);
    Complete(w, call, std::move(r));
    return;
  }
  if (route.in_flight) {
    call->in_flight = route.in_flight->TryAcquire();
    if (!call->in_flight) {
      route.rejected_in_flight->Inc();
      Complete(w, call,
               JsonResponse(503,
                            "{\"error\":\"too many requests in flight on "
                            "this route\"}\n"));
      return;
    }
  }
  Serve(w, call, *index, /*allow_fallback=*/true);
}

void Gateway::Serve(WorkerState& w, std::shared_ptr<Call> call,
                    size_t route_index, bool allow_fallback) {
  const Runtime& rt = *call->runtime;
  RouteRuntime& route = *rt.routes[route_index];
  if (route.config.respond) {
    const RespondConfig& rc = *route.config.respond;
    http::Response r(rc.status, rc.body);
    r.headers.Add("Content-Type", rc.content_type);
    Complete(w, call, std::move(r));
    return;
  }
  CircuitBreaker::Ticket ticket = route.breaker->Allow();
  if (!ticket.allowed) {
    metrics_->rejected.WithLabels({{"reason", "breaker"}}).Inc();
    if (allow_fallback && route.config.fallback_route) {
      ServeFallback(w, call, route_index);
      return;
    }
    Complete(w, call, JsonResponse(503, "{\"error\":\"circuit open\"}\n"));
    return;
  }

  const http::Request& in = call->request;
  std::array<Candidate, 2> candidates;
  size_t num_candidates =
      PickCandidates(*route.upstream, w.index, call->start, candidates);
  if (num_candidates == 0) {
    // Nothing was sent: no verdict on the upstream for the breaker.
    route.breaker->Cancel(ticket);
    if (allow_fallback && route.config.fallback_route) {
      ServeFallback(w, call, route_index);
      return;
    }
    Complete(w, call,
             JsonResponse(503,
                          "{\"error\":\"no healthy upstream "
                          "endpoint\"}\n"));
    return;
  }
  std::string bytes = w.upstream->TakeBuffer();
  AppendForwardedRequest(
      in,
      {.peer = call->responder.peer_address(),
       .generated_request_id =
           call->generated_id ? std::string_view(call->request_id) : "",
       .upstream_host = candidates[0].key},
      &bytes);

  call->gateway = this;
  call->worker = &w;
  call->route_index = route_index;
  call->ticket = ticket;
  call->allow_fallback = allow_fallback;
  call->trace_upstream_ns = trace::StartNs(options_.trace);
  auto deadline = call->start + route.config.timeout;
  w.upstream->Exchange(
      std::span<const Candidate>(candidates.data(), num_candidates),
      std::move(bytes), in.method, IsIdempotent(in.method), deadline,
      route.upstream->config, [call](UpstreamResult result) {
        call->gateway->OnUpstreamResult(call, std::move(result));
      });
}

void Gateway::OnUpstreamResult(const std::shared_ptr<Call>& call,
                               UpstreamResult result) {
  WorkerState& w = *call->worker;
  size_t route_index = call->route_index;
  RouteRuntime& r = *call->runtime->routes[route_index];
  using Outcome = UpstreamResult::Outcome;
  bool ok = result.outcome == Outcome::kOk;
  bool success = ok && result.response.status < 500;
  if (call->trace_upstream_ns != 0) {
    options_.trace->End("gateway", "upstream", call->trace_upstream_ns,
                        {"endpoint", result.endpoint, "status",
                         ok ? result.response.status : 0});
    call->trace_upstream_ns = 0;
  }
  if (result.outcome == Outcome::kOverloaded) {
    // Our own pool limit turned the request away before the upstream saw
    // it: back-pressure, not an upstream failure. Counting it would let a
    // burst of load alone open the breaker (go-zero#5551's loop again).
    r.breaker->Cancel(call->ticket);
    metrics_->rejected.WithLabels({{"reason", "upstream_pool"}}).Inc();
  } else {
    r.breaker->Record(call->ticket, success);
  }
  if (result.endpoint.empty()) {
    call->upstream = "-";
  } else {
    call->upstream = std::move(result.endpoint);
  }
  if (result.outcome == Outcome::kTimeout) {
    r.timeouts->Inc();
  } else if (result.outcome == Outcome::kConnectError) {
    r.connect_errors->Inc();
  } else if (!ok && result.outcome != Outcome::kOverloaded) {
    r.other_errors->Inc();
  }
  if (!success && call->allow_fallback && r.config.fallback_route) {
    ServeFallback(w, call, route_index);
    return;
  }
  if (ok) {
    http::Response resp = std::move(result.response);
    // In place: the survivors are not copied.
    RemoveHopByHop(&resp.headers);
    resp.reason.clear();
    resp.keep_alive = true;
    Complete(w, call, std::move(resp));
    return;
  }
  switch (result.outcome) {
    case Outcome::kTimeout:
      Complete(w, call,
               JsonResponse(504, "{\"error\":\"upstream timeout\"}\n"));
      return;
    case Outcome::kOverloaded:
      Complete(w, call,
               JsonResponse(503, "{\"error\":\"upstream overloaded\"}\n"));
      return;
    default:
      Complete(w, call, JsonResponse(502, "{\"error\":\"bad gateway\"}\n"));
      return;
  }
}

void Gateway::ServeFallback(WorkerState& w, std::shared_ptr<Call> call,
                            size_t route_index) {
  const RouteRuntime& route = *call->runtime->routes[route_index];
  size_t target = *route.config.fallback_route;
  call->upstream = "fallback:" + call->runtime->routes[target]->config.name;
  // One level only: a fallback's own failure is answered, not re-routed.
  Serve(w, std::move(call), target, /*allow_fallback=*/false);
}

void Gateway::Complete(WorkerState& w, std::shared_ptr<Call> call,
                       http::Response response) {
  const int64_t respond_start = trace::StartNs(options_.trace);
  // Every path ends here (success, upstream error, timeout, and a client
  // that left, whose exchange still runs to its end).
  call->in_flight.Release();
  const Runtime& rt = *call->runtime;
  bool log = rt.config.access_log;
  if (!call->request_id.empty()) {
    // The call ends here: hand the id over rather than copy it, unless the
    // access log still needs it.
    response.headers.Set("X-Request-Id",
                         log ? call->request_id : std::move(call->request_id));
  }
  MaybeGzip(call->request, rt.config.gzip, &response);
  int status = response.status;
  int cls = status / 100;
  if (call->route_rt != nullptr) {
    if (cls >= 1 && cls <= 5) {
      call->route_rt->by_class[static_cast<size_t>(cls - 1)]->Inc();
    }
    call->route_rt->latency->Observe(
        std::chrono::duration<double>(Clock::now() - call->start).count());
  } else if (!call->own_endpoint) {
    // Unrouted (404) and rate-limited (429) requests: route "-".
    metrics_->requests
        .WithLabels({{"route", "-"}, {"code", std::to_string(cls) + "xx"}})
        .Inc();
  }
  if (log) AppendAccessLog(w, *call, status);
  call->responder.Send(std::move(response));
  if (respond_start != 0) {
    options_.trace->End("gateway", "respond", respond_start,
                        {"route", call->route(), "status", status});
    options_.trace->End("gateway", "request", SteadyNanos(call->start),
                        {"path", call->request.path, "status", status});
  }
}

void Gateway::AppendAccessLog(WorkerState& w, const Call& call, int status) {
  AppendAccessLogLine({.method = call.request.method,
                       .path = call.request.path,
                       .route = call.route(),
                       .status = status,
                       .upstream = call.upstream,
                       .duration = Clock::now() - call.start,
                       .request_id = call.request_id,
                       .peer = call.responder.peer_address()},
                      &w.log);
  // Batched per worker: one write per 16 KiB or 100 ms instead of per line.
  if (w.log.size() >= 16 * 1024) {
    FlushLog(w);
  } else if (!w.flush_scheduled) {
    w.flush_scheduled = true;
    WorkerState* wp = &w;
    call.responder.loop().RunAfter(std::chrono::milliseconds(100), [this, wp] {
      wp->flush_scheduled = false;
      FlushLog(*wp);
    });
  }
}

void Gateway::FlushLog(WorkerState& w) {
  if (w.log.empty()) return;
  options_.access_log_sink(w.log);
  w.log.clear();
}

std::string Gateway::RenderMetrics() {
  std::lock_guard<std::mutex> lock(render_mu_);
  std::shared_ptr<const Runtime> rt;
  {
    std::lock_guard<std::mutex> l(runtime_mu_);
    rt = runtime_;
  }
  for (const auto& r : rt->routes) {
    r->breaker_state->Set(static_cast<double>(r->breaker->state()));
    if (r->in_flight) {
      r->in_flight_gauge->Set(static_cast<double>(r->in_flight->in_flight()));
    }
  }
  for (const auto& [name, u] : rt->upstreams) {
    for (size_t i = 0; i < u->healthy_gauges.size(); ++i) {
      u->healthy_gauges[i]->Set(u->healthy[i].load() ? 1 : 0);
    }
  }
  const http::ServerStats& s = server_->stats();
  metrics_->open_connections.WithLabels({}).Set(
      static_cast<double>(s.open_connections.load()));
  // Server-side rejections are counted by the server; mirror them here.
  auto mirror = [this](const char* reason, uint64_t total) {
    metrics::Counter& c = metrics_->rejected.WithLabels({{"reason", reason}});
    if (total > c.value()) c.Inc(total - c.value());
  };
  mirror("connections", s.rejected_connections_total.load());
  mirror("header_timeout", s.header_timeouts_total.load());
  mirror("bad_request", s.bad_requests_total.load());
  return registry_.Render() +
         metrics::RenderProcessMetrics(metrics::ReadProcessStats());
}

void Gateway::Drain() {
  draining_.store(true);
  if (options_.drain_delay.count() > 0) {
    std::this_thread::sleep_for(options_.drain_delay);
  }
  Millis timeout;
  {
    std::lock_guard<std::mutex> lock(runtime_mu_);
    timeout = runtime_->config.drain_timeout;
  }
  server_->Drain(timeout);
  prober_.Stop();
  for (auto& w : workers_) FlushLog(*w);
}

}  // namespace staticship::gateway
