// The gateway: an http::Server whose handler routes each request (first
// match wins), applies the QPS limit and the route's circuit breaker, proxies
// to an upstream over per-worker keep-alive pools without blocking the loop,
// serves fallbacks, gzips, and records metrics and one access-log line per
// request. Its own endpoints: /health, /ready, /metrics.
//
//   auto gw = Gateway::Create(std::move(config), {});
//   (*gw)->Start();
//   (*gw)->Reload(new_config);   // atomic; in-flight requests keep the old
//   (*gw)->Drain();              // /ready -> 503, finish in-flight, stop
#ifndef STATICSHIP_SERVICES_GATEWAY_GATEWAY_H_
#define STATICSHIP_SERVICES_GATEWAY_GATEWAY_H_

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"
#include "common/http/server.h"
#include "common/metrics/metrics.h"
#include "common/trace/trace_recorder.h"
#include "services/gateway/circuit_breaker.h"
#include "services/gateway/config.h"
#include "services/gateway/health_prober.h"

namespace staticship::gateway {

struct GatewayOptions {
  // Receives whole access-log lines (each ending in '\n'), batched per
  // worker; called from worker threads. Default: stderr.
  std::function<void(std::string_view)> access_log_sink;
  // Time source for breakers (tests inject their own).
  CircuitBreaker::NowFn now;
  // Between /ready turning 503 and the listeners closing, so that load
  // balancers notice before connections are refused.
  Millis drain_delay{0};
  // Optional: spans per request (accept, parse, route, upstream, respond,
  // request) while /debug/trace runs; must outlive the gateway.
  trace::TraceRecorder* trace = nullptr;
};

struct UpstreamResult;

namespace internal {
struct Runtime;
struct WorkerState;
struct Call;
struct Metrics;
}  // namespace internal

class Gateway {
 public:
  static Result<std::unique_ptr<Gateway>> Create(Config config,
                                                 GatewayOptions options);
  ~Gateway();

  Status Start();
  uint16_t port() const { return server_->port(); }
  // Swaps routes, upstreams, breakers and the QPS limit. listen, workers
  // and the connection limits need a restart; a change to them is reported
  // in the returned message but the rest is applied. A route with the same
  // match, conditions, destination endpoints and breaker settings keeps its
  // breaker's state and window (an open breaker stays open).
  Result<std::string> Reload(Config config);
  // /ready answers 503, waits drain_delay, then drains the server (bounded
  // by the config's drain_timeout) and flushes the access log.
  void Drain();
  bool draining() const { return draining_.load(); }
  // The public listener (its event loops' lag, for /debug/vars).
  const http::Server& server() const { return *server_; }

  std::string RenderMetrics();

 private:
  Gateway(GatewayOptions options);
  // Routes that are unchanged since `previous` (nullptr at start) keep
  // its breakers.
  std::shared_ptr<const internal::Runtime> BuildRuntime(
      Config config, const internal::Runtime* previous);
  void Handle(http::Request request, http::Responder responder);
  internal::WorkerState& StateFor(http::EventLoop& loop);
  void Serve(internal::WorkerState& w, std::shared_ptr<internal::Call> call,
             size_t route_index, bool allow_fallback);
  // The exchange started by Serve is over.
  void OnUpstreamResult(const std::shared_ptr<internal::Call>& call,
                        UpstreamResult result);
  void ServeFallback(internal::WorkerState& w,
                     std::shared_ptr<internal::Call> call, size_t route_index);
  void Complete(internal::WorkerState& w, std::shared_ptr<internal::Call> call,
                http::Response response);
  void AppendAccessLog(internal::WorkerState& w, const internal::Call& call,
                       int status);
  void FlushLog(internal::WorkerState& w);

  GatewayOptions options_;
  metrics::Registry registry_;
  std::unique_ptr<internal::Metrics> metrics_;
  std::unique_ptr<http::Server> server_;
  std::atomic<bool> draining_{false};

  std::mutex runtime_mu_;
  std::shared_ptr<const internal::Runtime> runtime_;
  std::atomic<uint64_t> runtime_version_{1};
  std::vector<std::unique_ptr<internal::WorkerState>> workers_;
  std::mutex render_mu_;
  // One per process: active health checks of the current runtime.
  HealthProber prober_;
};

}  // namespace staticship::gateway

#endif  // STATICSHIP_SERVICES_GATEWAY_GATEWAY_H_
