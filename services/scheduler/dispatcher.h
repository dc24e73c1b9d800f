// The worker pool: takes the next task from the core, sends it to the game
// server of its zone that GameServerPicker chooses (weighted round robin
// over the healthy ones), and reports the outcome to the core and to the
// picker.
//
// With an asynchronous transport one thread hands tasks to the transport and
// the transport's loop reports outcomes, so `workers` stays the in-flight cap
// (enforced by SchedulerCore) without a thread per dispatch: on two cores,
// 200 blocking workers spent most of the scheduler's CPU switching contexts.
// A blocking transport still gets `workers` threads.
#ifndef STATICSHIP_SERVICES_SCHEDULER_DISPATCHER_H_
#define STATICSHIP_SERVICES_SCHEDULER_DISPATCHER_H_

#include <optional>
#include <thread>
#include <vector>

#include "common/trace/trace_recorder.h"
#include "services/scheduler/game_server_picker.h"
#include "services/scheduler/game_server_transport.h"
#include "services/scheduler/scheduler_core.h"
#include "services/scheduler/zone_directory.h"

namespace staticship::scheduler {

class Dispatcher {
 public:
  // `trace` (optional) gets a "dispatch" span per attempt while a trace
  // runs: from the request built to the game server's answer.
  Dispatcher(SchedulerCore* core, const ZoneDirectory* zones,
             GameServerPicker* picker, GameServerTransport* transport,
             int workers, trace::TraceRecorder* trace = nullptr);
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
  const ZoneDirectory* const zones_;
  GameServerPicker* const picker_;
  GameServerTransport* const transport_;
  const int workers_;
  trace::TraceRecorder* const trace_;
  std::vector<std::thread> threads_;
};

}  // namespace staticship::scheduler

#endif  // STATICSHIP_SERVICES_SCHEDULER_DISPATCHER_H_
