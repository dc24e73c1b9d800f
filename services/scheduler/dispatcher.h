// The worker pool: takes the next task from the core, sends it to one game
// server of its zone (round robin) and reports the outcome.
//
// With an asynchronous transport one thread hands tasks to the transport and
// the transport's loop reports outcomes, so `workers` stays the in-flight cap
// (enforced by SchedulerCore) without a thread per dispatch: on two cores,
// 200 blocking workers spent most of the scheduler's CPU switching contexts.
// A blocking transport still gets `workers` threads.
#ifndef STATICSHIP_SERVICES_SCHEDULER_DISPATCHER_H_
#define STATICSHIP_SERVICES_SCHEDULER_DISPATCHER_H_

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/trace/trace_recorder.h"
#include "services/scheduler/game_server_transport.h"
#include "services/scheduler/scheduler_core.h"
#include "services/scheduler/zones_config.h"

namespace staticship::scheduler {

class Dispatcher {
 public:
  // `trace` (optional) gets a "dispatch" span per attempt while a trace
  // runs: from the request built to the game server's answer.
  Dispatcher(SchedulerCore* core, const ZonesConfig* zones,
             GameServerTransport* transport, int workers,
             trace::TraceRecorder* trace = nullptr);
  ~Dispatcher();  // Join()s
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  void Start();
  // Returns once every worker has left; call after core->StopDispatch().
  void Join();

  // One dispatch of `task`, without the core (exposed for tests).
  DispatchOutcome DispatchOnce(const Task& task);

 private:
  // Fills `request`, or returns the kNoRoute outcome.
  std::optional<DispatchOutcome> BuildRequest(const Task& task,
                                              DispatchRequest* request);
  void Run();
  void RunAsync();

  SchedulerCore* const core_;
  const ZonesConfig* const zones_;
  GameServerTransport* const transport_;
  const int workers_;
  trace::TraceRecorder* const trace_;
  // Round-robin cursors, one per zone; the map itself never changes.
  std::map<std::string, std::unique_ptr<std::atomic<uint64_t>>, std::less<>>
      cursors_;
  std::vector<std::thread> threads_;
};

}  // namespace staticship::scheduler

#endif  // STATICSHIP_SERVICES_SCHEDULER_DISPATCHER_H_
