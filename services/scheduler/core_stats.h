// Counters the core keeps for /metrics and for tests.
#ifndef STATICSHIP_SERVICES_SCHEDULER_CORE_STATS_H_
#define STATICSHIP_SERVICES_SCHEDULER_CORE_STATS_H_

#include <array>
#include <cstdint>

#include "services/scheduler/latency_histogram.h"
#include "services/scheduler/task.h"

namespace staticship::scheduler {

struct CoreStats {
  std::array<uint64_t, kNumTaskStates> by_state{};
  std::array<uint64_t, kNumPriorities> ready_by_priority{};
  uint64_t waiting_backoff = 0;
  uint64_t submitted_total = 0;
  uint64_t dispatched_total = 0;
  uint64_t retries_total = 0;
  uint64_t timeouts_total = 0;
  uint64_t store_errors_total = 0;
  // State changes the state machine refused and outcomes for an attempt
  // that is not the task's current one: a bug, never expected.
  uint64_t invalid_transitions_total = 0;
  int in_flight = 0;
  int workers = 0;
  // Workers blocked in NextDispatch, waiting for a task or a free slot.
  int waiting_workers = 0;
  LatencyHistogram dispatch_seconds;    // one attempt at the game server
  LatencyHistogram queue_wait_seconds;  // ready -> handed to a worker
};

}  // namespace staticship::scheduler

#endif  // STATICSHIP_SERVICES_SCHEDULER_CORE_STATS_H_
