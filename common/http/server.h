// An HTTP/1.1 server: N worker threads, each running its own EventLoop with
// its own SO_REUSEPORT listener on the same port. The kernel spreads new
// connections over the listeners by 4-tuple hash, so workers never hand
// connections to each other and no lock sits on the accept path (one shared
// acceptor would need a cross-thread handoff per connection, and a shared
// listener with EPOLLEXCLUSIVE lets one busy thread grab a burst of accepts).
//
//   using namespace staticship::http;
//   ServerOptions options;
//   options.port = 0;  // kernel picks; read it back with server->port()
//   auto server = Server::Create(options, [](Request req, Responder r) {
//     r.Send(Response(200, "hello"));        // now, or later from any thread
//   });
//   if (!server.ok()) { ... server.message() ... }
//   (*server)->Start();
//   ...
//   (*server)->Drain(std::chrono::seconds(10));  // stop accepting, finish
//
// The handler runs on a worker thread and must not block: answer at once, or
// keep the Responder and call Send() later from any thread (e.g. after an
// fsync on another thread), or register non-blocking sockets on
// responder.loop() (the gateway's upstream connections). Pipelined requests
// are dispatched as they arrive and answered in request order. If every copy
// of a Responder is dropped without Send(), the client gets a 500.
//
// The server answers by itself: 400/413/431/501/505 for unparsable requests
// (then closes), 408 when a request's head and body are not received within
// header_timeout (then closes), 503 to connections beyond max_connections.
// Idle keep-alive connections are closed after idle_timeout.
#ifndef STATICSHIP_COMMON_HTTP_SERVER_H_
#define STATICSHIP_COMMON_HTTP_SERVER_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/base/result.h"
#include "common/http/event_loop.h"
#include "common/http/message.h"
#include "common/http/parser.h"
#include "common/trace/trace_recorder.h"

namespace staticship::http {

namespace internal {
class Worker;
struct ResponseSlot;
}  // namespace internal

// Answers one request. Cheap to copy; all copies share one slot. Send() may
// be called from any thread; only the first call has an effect.
class Responder {
 public:
  explicit Responder(std::shared_ptr<internal::ResponseSlot> slot)
      : slot_(std::move(slot)) {}
  void Send(Response response) const;
  // The worker loop that owns the connection (loop thread only use).
  EventLoop& loop() const;
  // Client address without port, e.g. "127.0.0.1".
  const std::string& peer_address() const;
  // Whether Send() has been called.
  bool sent() const;

 private:
  std::shared_ptr<internal::ResponseSlot> slot_;
};

using Handler = std::function<void(Request request, Responder responder)>;

struct ServerOptions {
  std::string host = "127.0.0.1";  // numeric IPv4/IPv6 or a resolvable name
  uint16_t port = 0;               // 0: the kernel picks one
  int workers = 1;
  size_t max_connections = 10000;  // over all workers
  ParserLimits limits;
  std::chrono::milliseconds header_timeout{10000};
  std::chrono::milliseconds idle_timeout{60000};
  // Requests of one connection dispatched but not yet answered; reading
  // pauses beyond it so a pipelining client cannot queue unbounded work.
  size_t max_pipeline = 32;
  // The answer to a request the server refuses by itself (the statuses
  // above); the connection is closed after it whatever it says. Unset: the
  // reason phrase as text/plain. An API sets it so that every error its
  // clients see has the same shape.
  std::function<Response(int status)> error_response;
  // Worker threads are named "<thread_name>-<index>" (at most 15 bytes),
  // which /debug/threads, top -H and profiles show.
  std::string thread_name = "http";
  // SO_REUSEPORT on the listeners, which lets the workers share the port.
  // Off for a listener that must never share its port with another socket
  // (the admin listener): binding a port in use then fails.
  bool reuse_port = true;
  // With several workers: one listening socket that every worker watches
  // with EPOLLEXCLUSIVE, each accepting one connection per wakeup, so a
  // new connection goes to a worker that is waiting for work (nginx's
  // default: a shared socket, multi_accept off). false: a listener per
  // worker (SO_REUSEPORT), where the kernel hashes each connection to one
  // of them however busy its worker is; with 64 keep-alive connections
  // over 2 workers the split is often 28/36.
  bool shared_listener = false;
  // Each worker loop's lag probe (Server::loop_lag()); 0 turns it off.
  std::chrono::milliseconds lag_probe_interval{100};
  // Optional: "accept" and "parse" spans while a trace runs; must outlive
  // the server.
  trace::TraceRecorder* trace = nullptr;
};

// Counters read by /metrics; updated with relaxed atomics.
struct ServerStats {
  std::atomic<int64_t> open_connections{0};
  std::atomic<uint64_t> accepted_total{0};
  std::atomic<uint64_t> rejected_connections_total{0};  // max_connections
  std::atomic<uint64_t> bad_requests_total{0};          // parse errors
  std::atomic<uint64_t> header_timeouts_total{0};       // 408s
  std::atomic<uint64_t> idle_closed_total{0};
};

class Server {
 public:
  // Binds the listeners (so port() is known and errors surface here) but
  // starts no thread.
  static Result<std::unique_ptr<Server>> Create(ServerOptions options,
                                                Handler handler);
  ~Server();  // Stop()s and joins
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  Status Start();
  // Stops accepting, closes idle connections, lets in-flight requests finish
  // (their responses carry "Connection: close"), waits up to `grace` for all
  // connections to close, then Stop()s. Blocking; call from any thread but a
  // worker.
  void Drain(std::chrono::milliseconds grace);
  // Closes everything now and joins the workers.
  void Stop();

  uint16_t port() const { return port_; }
  bool draining() const { return draining_.load(); }
  const ServerStats& stats() const { return stats_; }
  int workers() const { return static_cast<int>(workers_.size()); }
  // One per worker loop, in worker order; valid for the server's lifetime,
  // also after Stop().
  const std::vector<std::shared_ptr<const LoopLagStats>>& loop_lag() const {
    return loop_lag_;
  }

 private:
  Server(ServerOptions options, Handler handler);

  ServerOptions options_;
  Handler handler_;
  ServerStats stats_;
  std::atomic<bool> draining_{false};
  uint16_t port_ = 0;
  std::vector<std::unique_ptr<internal::Worker>> workers_;
  std::vector<std::thread> threads_;
  std::vector<std::shared_ptr<const LoopLagStats>> loop_lag_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace staticship::http

#endif  // STATICSHIP_COMMON_HTTP_SERVER_H_
