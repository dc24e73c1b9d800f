// How a worker hands a task to a game server. The HTTP implementation is the
// real one; tests may substitute their own.
#ifndef STATICSHIP_SERVICES_SCHEDULER_GAME_SERVER_TRANSPORT_H_
#define STATICSHIP_SERVICES_SCHEDULER_GAME_SERVER_TRANSPORT_H_

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "common/http/client.h"
#include "services/scheduler/dispatch_outcome.h"

namespace staticship::scheduler {

struct DispatchRequest {
  std::string endpoint;  // host:port
  std::string path;
  std::string task_id;
  std::string body;
  std::chrono::milliseconds timeout{30000};
};

class GameServerTransport {
 public:
  using SendDone = std::function<void(DispatchOutcome)>;

  virtual ~GameServerTransport() = default;
  // Thread-safe; blocks for at most about `request.timeout`.
  virtual DispatchOutcome Send(const DispatchRequest& request) = 0;

  // True when SendAsync does not block: the dispatcher then needs one thread
  // instead of one per in-flight dispatch.
  virtual bool async() const { return false; }
  // Thread-safe; returns at once when async(). `done` runs exactly once, on a
  // transport thread, and must not block.
  virtual void SendAsync(DispatchRequest request, SendDone done) {
    done(Send(request));
  }
};

// POST with X-Task-Id over keep-alive connections shared by all workers.
// SendAsync runs every exchange on one event-loop thread with non-blocking
// sockets; Send is the blocking client (kept for callers that want it).
class HttpTransport final : public GameServerTransport {
 public:
  explicit HttpTransport(int max_idle_per_host);
  ~HttpTransport() override;
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  DispatchOutcome Send(const DispatchRequest& request) override;
  bool async() const override { return async_ != nullptr; }
  void SendAsync(DispatchRequest request, SendDone done) override;

 private:
  class AsyncClient;

  http::Client client_;
  std::unique_ptr<AsyncClient> async_;  // null when its loop cannot start
};

}  // namespace staticship::scheduler

#endif  // STATICSHIP_SERVICES_SCHEDULER_GAME_SERVER_TRANSPORT_H_
