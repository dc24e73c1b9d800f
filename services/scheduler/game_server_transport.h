// How a worker hands a task to a game server. The HTTP implementation is the
// real one; tests may substitute their own.
#ifndef STATICSHIP_SERVICES_SCHEDULER_GAME_SERVER_TRANSPORT_H_
#define STATICSHIP_SERVICES_SCHEDULER_GAME_SERVER_TRANSPORT_H_

#include <chrono>
#include <string>

#include "services/common/http/client.h"
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
  virtual ~GameServerTransport() = default;
  // Thread-safe; blocks for at most about `request.timeout`.
  virtual DispatchOutcome Send(const DispatchRequest& request) = 0;
};

// POST with X-Task-Id over keep-alive connections shared by all workers.
class HttpTransport final : public GameServerTransport {
 public:
  explicit HttpTransport(int max_idle_per_host);
  DispatchOutcome Send(const DispatchRequest& request) override;

 private:
  http::Client client_;
};

}  // namespace staticship::scheduler

#endif  // STATICSHIP_SERVICES_SCHEDULER_GAME_SERVER_TRANSPORT_H_
