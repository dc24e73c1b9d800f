// Non-blocking HTTP/1.1 exchanges with upstream endpoints, run on a server
// worker's EventLoop: one UpstreamClient per worker, holding a keep-alive
// pool per endpoint (bounded idle and active counts). Nothing here is
// thread-safe; everything runs on the owning loop thread.
//
//   std::string bytes = client.TakeBuffer();   // recycled capacity
//   http::AppendRequestHead(request, &bytes);
//   Candidate c[] = {{&endpoint, key, on_failure}};
//   client.Exchange(c, std::move(bytes), "GET", /*idempotent=*/true,
//                   deadline, upstream_config,
//                   [](UpstreamResult r) { ... on the loop thread ... });
//
// The deadline covers connect, send and receive. A connect failure moves to
// the next candidate once. A reused idle connection that fails before any
// response byte (the upstream closed it meanwhile) is retried once on a
// fresh connection, but only for idempotent methods: a POST may have been
// processed.
//
// Steady-state cost: a pooled connection keeps its epoll registration, its
// watch callback and its response parser (with its buffer) for its whole
// life, and exchange objects and request buffers are recycled, so proxying
// over a warm pool allocates nothing here beyond the response itself.
#ifndef STATICSHIP_SERVICES_GATEWAY_UPSTREAM_CLIENT_H_
#define STATICSHIP_SERVICES_GATEWAY_UPSTREAM_CLIENT_H_

#include <chrono>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/http/event_loop.h"
#include "common/http/message.h"
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
  // Both must outlive the exchange (the gateway keeps its config alive for
  // the whole request).
  const Endpoint* endpoint = nullptr;
  std::string_view key;  // endpoint->key(), computed once per config
  // Called on a connect failure to this endpoint (passive health check).
  std::function<void()> on_connect_failure;
};

class UpstreamExchange;

class UpstreamClient {
 public:
  using Callback = std::function<void(UpstreamResult)>;
  using Clock = http::EventLoop::Clock;

  explicit UpstreamClient(http::EventLoop& loop);
  ~UpstreamClient();
  UpstreamClient(const UpstreamClient&) = delete;
  UpstreamClient& operator=(const UpstreamClient&) = delete;

  // An empty string, with the capacity of a finished exchange's request when
  // one is available: serialise the next request into it.
  std::string TakeBuffer();

  // Uses the first one or two candidates.
  void Exchange(std::span<const Candidate> candidates,
                std::string request_bytes, std::string_view method,
                bool idempotent, Clock::time_point deadline,
                const UpstreamConfig& config, Callback callback);

  // For tests and metrics.
  size_t idle_connections() const;

 private:
  friend class UpstreamExchange;
  struct Pool;
  // One upstream connection. Its watch stays registered (level-triggered)
  // from connect to close with one callback that forwards events to the
  // exchange using it, or, while idle, drops the connection: an idle
  // connection only becomes readable when the upstream closes it (or sends
  // junk), so reuse needs no probe and no epoll_ctl.
  struct Conn;

  Pool& PoolFor(std::string_view key);
  // Registers `fd` (connect in progress) with `events`; nullptr on failure
  // (fd is then closed).
  Result<Conn*> NewConn(int fd, Pool& pool, uint32_t events);
  Status SetInterest(Conn* conn, uint32_t events);
  void PutIdle(Conn* conn);
  void CloseConn(Conn* conn);
  void OnConnEvent(Conn* conn, uint32_t events);
  void OnTimer(UpstreamExchange* exchange);
  // Returns a finished exchange to the free list, once no frame of it is
  // running: only called at the entry points (Exchange, events, timers).
  void RecycleIfDone(UpstreamExchange* exchange);

  http::EventLoop& loop_;
  std::vector<std::pair<std::string, std::unique_ptr<Pool>>> pools_;
  // Every live connection, by address; a closed one waits in graveyard_
  // until no callback of it can be running.
  std::unordered_map<Conn*, std::unique_ptr<Conn>> conns_;
  std::vector<std::unique_ptr<Conn>> graveyard_;
  std::vector<std::unique_ptr<UpstreamExchange>> exchanges_;
  std::vector<UpstreamExchange*> free_exchanges_;
  std::vector<std::string> spare_buffers_;
};

}  // namespace staticship::gateway

#endif  // STATICSHIP_SERVICES_GATEWAY_UPSTREAM_CLIENT_H_
