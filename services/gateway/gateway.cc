#include "services/gateway/gateway.h"

#include <sys/random.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <random>
#include <thread>

#include "services/gateway/gzip.h"
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
                             "Configuration reloads by result.")) {}

  metrics::Family<metrics::Counter>& requests;
  metrics::Family<metrics::Histogram>& latency;
  metrics::Family<metrics::Counter>& upstream_errors;
  metrics::Family<metrics::Counter>& upstream_timeouts;
  metrics::Family<metrics::Gauge>& breaker_state;
  metrics::Family<metrics::Gauge>& open_connections;
  metrics::Family<metrics::Counter>& rejected;
  metrics::Family<metrics::Counter>& reloads;
};

struct UpstreamRuntime {
  UpstreamConfig config;
  std::atomic<uint64_t> next{0};
  // Passive health: a connect failure takes an endpoint out of the rotation
  // until this time (ns on the steady clock); shared by all workers.
  std::unique_ptr<std::atomic<int64_t>[]> down_until;
};

struct RouteRuntime {
  RouteConfig config;
  std::unique_ptr<CircuitBreaker> breaker;
  UpstreamRuntime* upstream = nullptr;
  std::array<metrics::Counter*, 5> by_class{};  // 1xx..5xx
  metrics::Histogram* latency = nullptr;
  metrics::Counter* timeouts = nullptr;
  metrics::Counter* connect_errors = nullptr;
  metrics::Counter* other_errors = nullptr;
  metrics::Gauge* breaker_state = nullptr;
};

struct Runtime {
  Config config;
  std::map<std::string, std::unique_ptr<UpstreamRuntime>> upstreams;
  std::vector<std::unique_ptr<RouteRuntime>> routes;
  std::unique_ptr<TokenBucket> bucket;
};

struct WorkerState {
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
  Clock::time_point start;
  std::string request_id;
  std::string route = "-";
  RouteRuntime* route_rt = nullptr;
  bool own_endpoint = false;  // /health, /ready, /metrics
  std::string upstream = "-";

  Call(http::Request r, http::Responder resp)
      : request(std::move(r)), responder(std::move(resp)) {}
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

int64_t SteadyNanos(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             t.time_since_epoch())
      .count();
}

// Round robin from a shared counter, skipping endpoints marked down; when
// all are down, plain round robin (better a try than a certain failure).
std::vector<Candidate> PickCandidates(UpstreamRuntime& u,
                                      Clock::time_point now) {
  size_t n = u.config.endpoints.size();
  uint64_t start = u.next.fetch_add(1, std::memory_order_relaxed);
  int64_t now_ns = SteadyNanos(now);
  std::vector<size_t> order;
  for (size_t i = 0; i < n && order.size() < 2; ++i) {
    size_t idx = static_cast<size_t>((start + i) % n);
    if (u.down_until[idx].load(std::memory_order_relaxed) <= now_ns) {
      order.push_back(idx);
    }
  }
  if (order.empty()) order.push_back(static_cast<size_t>(start % n));
  std::vector<Candidate> out;
  for (size_t idx : order) {
    Candidate c;
    c.endpoint = u.config.endpoints[idx];
    std::atomic<int64_t>* down = &u.down_until[idx];
    int64_t fail_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          u.config.fail_timeout)
                          .count();
    c.on_connect_failure = [down, fail_ns] {
      down->store(SteadyNanos(Clock::now()) + fail_ns,
                  std::memory_order_relaxed);
    };
    out.push_back(std::move(c));
  }
  return out;
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

std::string FormatDurationMs(Clock::duration d) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3f",
                std::chrono::duration<double, std::milli>(d).count());
  return buf;
}

// Access-log fields must stay on one line and be split on spaces.
std::string LogField(std::string_view s) {
  std::string out;
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    out.push_back(u <= 0x20 || u == 0x7f || c == '"' ? '_' : c);
  }
  return out.empty() ? "-" : out;
}

}  // namespace

bool IsHopByHop(std::string_view name, const http::Headers& headers) {
  static constexpr std::string_view kHopByHop[] = {"connection",
                                                   "keep-alive",
                                                   "proxy-connection",
                                                   "proxy-authenticate",
                                                   "proxy-authorization",
                                                   "te",
                                                   "trailer",
                                                   "transfer-encoding",
                                                   "upgrade"};
  for (std::string_view h : kHopByHop) {
    if (http::EqualsIgnoreCase(name, h)) return true;
  }
  for (std::string_view c : headers.GetAll("connection")) {
    if (http::HasToken(c, name)) return true;
  }
  return false;
}

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
  // Loops (and the exchanges they hold) go before the upstream pools.
  if (server_) server_->Stop();
  for (auto& w : workers_) {
    if (!w->log.empty()) options_.access_log_sink(w->log);
  }
  server_.reset();
  workers_.clear();
}

std::shared_ptr<const Runtime> Gateway::BuildRuntime(Config config) {
  auto rt = std::make_shared<Runtime>();
  rt->config = std::move(config);
  double burst = rt->config.limits.burst > 0 ? rt->config.limits.burst
                                             : rt->config.limits.qps;
  rt->bucket = std::make_unique<TokenBucket>(rt->config.limits.qps, burst);
  for (const auto& [name, u] : rt->config.upstreams) {
    auto ur = std::make_unique<UpstreamRuntime>();
    ur->config = u;
    ur->down_until =
        std::make_unique<std::atomic<int64_t>[]>(u.endpoints.size());
    for (size_t i = 0; i < u.endpoints.size(); ++i) ur->down_until[i].store(0);
    rt->upstreams.emplace(name, std::move(ur));
  }
  for (const RouteConfig& rc : rt->config.routes) {
    auto r = std::make_unique<RouteRuntime>();
    r->config = rc;
    r->breaker = std::make_unique<CircuitBreaker>(rc.breaker, options_.now);
    if (!rc.respond) r->upstream = rt->upstreams.at(rc.dest).get();
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
  so.max_connections = config.limits.max_connections;
  so.limits.max_header_bytes = config.limits.max_header_bytes;
  so.limits.max_body_bytes = config.limits.max_body_bytes;
  so.header_timeout = config.limits.header_timeout;
  so.idle_timeout = config.limits.idle_timeout;
  for (int i = 0; i < so.workers; ++i) {
    auto w = std::make_unique<WorkerState>();
    w->rng.seed(RandomSeed() ^ (static_cast<uint64_t>(i) << 32));
    gw->workers_.push_back(std::move(w));
  }
  gw->runtime_ = gw->BuildRuntime(std::move(config));
  Gateway* self = gw.get();
  auto server =
      http::Server::Create(so, [self](http::Request req, http::Responder r) {
        self->Handle(std::move(req), std::move(r));
      });
  if (!server.ok()) return server.error();
  gw->server_ = std::move(*server);
  return gw;
}

Status Gateway::Start() { return server_->Start(); }

Result<std::string> Gateway::Reload(Config config) {
  std::string notes;
  {
    std::lock_guard<std::mutex> lock(runtime_mu_);
    const Config& old = runtime_->config;
    if (old.listen_host != config.listen_host ||
        old.listen_port != config.listen_port ||
        old.workers != config.workers ||
        old.limits.max_connections != config.limits.max_connections ||
        old.limits.max_header_bytes != config.limits.max_header_bytes ||
        old.limits.max_body_bytes != config.limits.max_body_bytes ||
        old.limits.header_timeout != config.limits.header_timeout ||
        old.limits.idle_timeout != config.limits.idle_timeout) {
      notes =
          "listen, workers and connection limits keep their old values "
          "until restart";
    }
  }
  auto rt = BuildRuntime(std::move(config));
  {
    std::lock_guard<std::mutex> lock(runtime_mu_);
    runtime_ = std::move(rt);
    runtime_version_.fetch_add(1);
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
    char buf[33];
    std::snprintf(buf, sizeof(buf), "%016llx%016llx",
                  static_cast<unsigned long long>(w.rng()),
                  static_cast<unsigned long long>(w.rng()));
    call->request_id = buf;
    call->request.headers.Add("X-Request-Id", call->request_id);
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
  call->route = route.config.name;
  call->route_rt = &route;
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

  // Forwarded request: hop-by-hop headers dropped, X-Forwarded-For added.
  const http::Request& in = call->request;
  http::Request out;
  out.method = in.method;
  out.target = in.target.front() == '/' ? in.target
               : in.query.empty()       ? in.path
                                        : in.path + "?" + in.query;
  for (const http::Header& h : in.headers) {
    if (IsHopByHop(h.name, in.headers) ||
        http::EqualsIgnoreCase(h.name, "x-forwarded-for")) {
      continue;
    }
    out.headers.Add(h.name, h.value);
  }
  const std::string* xff = in.headers.Get("x-forwarded-for");
  const std::string& peer = call->responder.peer_address();
  out.headers.Add("X-Forwarded-For", xff ? *xff + ", " + peer : peer);
  if (!in.headers.Has("x-forwarded-proto")) {
    out.headers.Add("X-Forwarded-Proto", "http");
  }
  auto candidates = PickCandidates(*route.upstream, call->start);
  // HTTP/1.0 clients may omit Host; HTTP/1.1 upstreams require it.
  if (!in.headers.Has("host")) {
    out.headers.Add("Host", candidates.front().endpoint.key());
  }
  std::string bytes;
  http::AppendRequestHead(out, in.body.size(), &bytes);
  bytes += in.body;

  auto deadline = call->start + route.config.timeout;
  Gateway* self = this;
  w.upstream->Exchange(
      std::move(candidates), std::move(bytes), in.method,
      IsIdempotent(in.method), deadline, route.upstream->config,
      [self, &w, call, route_index, ticket,
       allow_fallback](UpstreamResult result) {
        RouteRuntime& r = *call->runtime->routes[route_index];
        using Outcome = UpstreamResult::Outcome;
        bool ok = result.outcome == Outcome::kOk;
        bool success = ok && result.response.status < 500;
        r.breaker->Record(ticket, success);
        call->upstream = result.endpoint.empty() ? "-" : result.endpoint;
        if (result.outcome == Outcome::kTimeout) {
          r.timeouts->Inc();
        } else if (result.outcome == Outcome::kConnectError) {
          r.connect_errors->Inc();
        } else if (!ok) {
          r.other_errors->Inc();
        }
        if (!success && allow_fallback && r.config.fallback_route) {
          self->ServeFallback(w, call, route_index);
          return;
        }
        if (ok) {
          http::Response resp = std::move(result.response);
          http::Headers kept;
          for (const http::Header& h : resp.headers) {
            if (!IsHopByHop(h.name, resp.headers)) kept.Add(h.name, h.value);
          }
          resp.headers = std::move(kept);
          resp.reason.clear();
          resp.keep_alive = true;
          self->Complete(w, call, std::move(resp));
          return;
        }
        switch (result.outcome) {
          case Outcome::kTimeout:
            self->Complete(
                w, call,
                JsonResponse(504, "{\"error\":\"upstream timeout\"}\n"));
            return;
          case Outcome::kOverloaded:
            self->Complete(
                w, call,
                JsonResponse(503, "{\"error\":\"upstream overloaded\"}\n"));
            return;
          default:
            self->Complete(w, call,
                           JsonResponse(502, "{\"error\":\"bad gateway\"}\n"));
            return;
        }
      });
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
  const Runtime& rt = *call->runtime;
  if (!call->request_id.empty()) {
    response.headers.Set("X-Request-Id", call->request_id);
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
  if (rt.config.access_log) AppendAccessLog(w, *call, status);
  call->responder.Send(std::move(response));
}

void Gateway::AppendAccessLog(WorkerState& w, const Call& call, int status) {
  // method path route status upstream duration_ms request_id peer
  std::string& log = w.log;
  log += LogField(call.request.method);
  log += ' ';
  log += LogField(call.request.path);
  log += ' ';
  log += LogField(call.route);
  log += ' ';
  log += std::to_string(status);
  log += ' ';
  log += LogField(call.upstream);
  log += ' ';
  log += FormatDurationMs(Clock::now() - call.start);
  log += "ms ";
  log += LogField(call.request_id);
  log += ' ';
  log += LogField(call.responder.peer_address());
  log += '\n';
  // Batched per worker: one write per 16 KiB or 100 ms instead of per line.
  if (log.size() >= 16 * 1024) {
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
  return registry_.Render();
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
  for (auto& w : workers_) FlushLog(*w);
}

}  // namespace staticship::gateway
