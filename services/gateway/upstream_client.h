// Non-blocking HTTP/1.1 exchanges with upstream endpoints, run on a server
// worker's EventLoop: one UpstreamClient per worker, holding a keep-alive
// pool per endpoint (bounded idle and active counts). Nothing here is
// thread-safe; everything runs on the owning loop thread.
//
//   client.Exchange({primary, secondary}, std::move(request_bytes), "GET",
//                   /*idempotent=*/true, deadline, upstream_config,
//                   [](UpstreamResult r) { ... on the loop thread ... });
//
// The deadline covers connect, send and receive. A connect failure moves to
// the next candidate once. A reused idle connection that fails before any
// response byte (the upstream closed it meanwhile) is retried once on a
// fresh connection, but only for idempotent methods: a POST may have been
// processed.
#ifndef STATICSHIP_SERVICES_GATEWAY_UPSTREAM_CLIENT_H_
#define STATICSHIP_SERVICES_GATEWAY_UPSTREAM_CLIENT_H_

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "services/common/http/event_loop.h"
#include "services/common/http/message.h"
#include "services/gateway/config.h"

namespace staticship::gateway {

struct UpstreamResult {
  enum class Outcome {
    kOk,            // a complete response (any status)
    kConnectError,  // every candidate refused or failed to connect
    kTimeout,       // deadline passed
    kReset,         // connection broke mid-exchange
    kProtocol,      // unparsable response
    kOverloaded,    // max_connections reached for the endpoint
  };
  Outcome outcome = Outcome::kOk;
  http::Response response;
  std::string endpoint;  // "host:port" last tried
  std::string detail;
};

std::string_view OutcomeName(UpstreamResult::Outcome outcome);

struct Candidate {
  Endpoint endpoint;
  // Called on a connect failure to this endpoint (passive health check).
  std::function<void()> on_connect_failure;
};

class UpstreamClient {
 public:
  using Callback = std::function<void(UpstreamResult)>;
  using Clock = http::EventLoop::Clock;

  explicit UpstreamClient(http::EventLoop& loop);
  ~UpstreamClient();
  UpstreamClient(const UpstreamClient&) = delete;
  UpstreamClient& operator=(const UpstreamClient&) = delete;

  void Exchange(std::vector<Candidate> candidates, std::string request_bytes,
                std::string method, bool idempotent, Clock::time_point deadline,
                const UpstreamConfig& config, Callback callback);

  // For tests and metrics.
  size_t idle_connections() const;

 private:
  friend class UpstreamExchange;
  // Idle connections stay registered on the loop (EPOLLIN) with a watcher
  // that drops them when the upstream closes them; a request takes one over
  // by swapping the callback, so reuse costs no epoll_ctl and no probe.
  struct IdleConn {
    int fd;
    uint64_t watch;
  };
  struct Pool {
    std::vector<IdleConn> idle;
    size_t active = 0;
  };
  Pool& PoolFor(const std::string& key) { return pools_[key]; }
  void PutIdle(const std::string& key, int fd, uint64_t watch);
  void DropIdle(const std::string& key, uint64_t watch);

  http::EventLoop& loop_;
  std::map<std::string, Pool> pools_;
};

}  // namespace staticship::gateway

#endif  // STATICSHIP_SERVICES_GATEWAY_UPSTREAM_CLIENT_H_
