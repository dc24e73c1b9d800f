// The HTTP API: /v1/tasks, /health and /metrics over SchedulerCore.
#ifndef STATICSHIP_SERVICES_SCHEDULER_API_H_
#define STATICSHIP_SERVICES_SCHEDULER_API_H_

#include <functional>
#include <string>

#include "common/http/server.h"
#include "services/scheduler/scheduler_core.h"
#include "services/scheduler/scheduler_metrics.h"
#include "services/scheduler/task_store.h"
#include "services/scheduler/zone_directory.h"

namespace staticship::scheduler {

inline constexpr size_t kDefaultListLimit = 100;
inline constexpr size_t kMaxListLimit = 10000;

class Api {
 public:
  // `extra_metrics` (optional) adds Prometheus text of other parts (game
  // server health, zones) to /metrics.
  Api(SchedulerCore* core, const ZoneDirectory* zones, TaskStore* store,
      SchedulerMetrics* metrics,
      std::function<std::string()> extra_metrics = nullptr)
      : core_(core),
        zones_(zones),
        store_(store),
        metrics_(metrics),
        extra_metrics_(std::move(extra_metrics)) {}

  // Never blocks on the disk: submissions answer from the store's thread.
  void Handle(http::Request request, http::Responder responder);

  // For http::ServerOptions::error_response: what the HTTP layer refuses by
  // itself gets the API's JSON errors too, and a body too large to read is
  // the same 400 naming `body` as one over the API's 1 MiB.
  static http::Response RefusedByServer(int status);

 private:
  void Submit(const http::Request& request, http::Responder responder);
  void GetTask(const std::string& id, http::Responder responder);
  void ListTasks(const http::Request& request, http::Responder responder);
  void CancelTask(const std::string& id, http::Responder responder);
  // DELETE of a task the core does not hold: 404, or 409 with its state.
  void CancelElsewhere(const std::string& id, http::Responder responder);
  // Reads a task this instance does not hold from the store; answers 503 or
  // 404 itself and hands a found task to `found`.
  void LoadElsewhere(const std::string& id, http::Responder responder,
                     std::function<void(const Task&, http::Responder)> found);
  void Health(http::Responder responder);
  void Metrics(http::Responder responder);

  SchedulerCore* const core_;
  const ZoneDirectory* const zones_;
  TaskStore* const store_;
  SchedulerMetrics* const metrics_;
  const std::function<std::string()> extra_metrics_;
};

}  // namespace staticship::scheduler

#endif  // STATICSHIP_SERVICES_SCHEDULER_API_H_
