#include "services/scheduler/scheduler_metrics.h"

#include "common/metrics/process_metrics.h"
#include "services/scheduler/latency_histogram.h"
#include "services/scheduler/task.h"

namespace staticship::scheduler {
namespace {

const std::vector<double>& LatencyBuckets() {
  static const std::vector<double> kBuckets = LatencyHistogram().bounds;
  return kBuckets;
}

void AdvanceTo(metrics::Counter& counter, uint64_t total) {
  if (total > counter.value()) counter.Inc(total - counter.value());
}

}  // namespace

SchedulerMetrics::SchedulerMetrics()
    : dispatch_seconds_(
          registry_
              .AddHistogram("scheduler_dispatch_seconds",
                            "Duration of one dispatch attempt at a game server",
                            LatencyBuckets())
              .WithLabels({})),
      queue_wait_seconds_(
          registry_
              .AddHistogram("scheduler_queue_wait_seconds",
                            "Time from ready (accepted or backoff over) to "
                            "handed to a worker",
                            LatencyBuckets())
              .WithLabels({})) {}

std::string SchedulerMetrics::Render(
    const CoreStats& stats, const Status& store_health,
    const std::vector<TaskStore::Counter>& store_counters,
    std::string_view extra) {
  std::lock_guard<std::mutex> lock(render_mu_);
  auto& tasks = registry_.AddGauge("scheduler_tasks", "Tasks by state");
  for (int i = 0; i < kNumTaskStates; ++i) {
    auto state = static_cast<TaskState>(i);
    tasks.WithLabels({{"state", std::string(TaskStateName(state))}})
        .Set(static_cast<double>(stats.by_state[i]));
  }
  auto& depth = registry_.AddGauge("scheduler_queue_depth",
                                   "Tasks ready to dispatch, by priority");
  for (int p = kMinPriority; p <= kMaxPriority; ++p) {
    depth.WithLabels({{"priority", std::to_string(p)}})
        .Set(static_cast<double>(stats.ready_by_priority[p - kMinPriority]));
  }
  registry_
      .AddGauge("scheduler_backoff_waiting",
                "Tasks waiting for their retry backoff")
      .WithLabels({})
      .Set(static_cast<double>(stats.waiting_backoff));
  registry_.AddGauge("scheduler_workers", "Dispatch workers")
      .WithLabels({})
      .Set(stats.workers);
  registry_.AddGauge("scheduler_workers_busy", "Dispatches in flight")
      .WithLabels({})
      .Set(stats.in_flight);
  registry_
      .AddGauge("scheduler_worker_utilisation",
                "Dispatches in flight / workers")
      .WithLabels({})
      .Set(stats.workers > 0
               ? static_cast<double>(stats.in_flight) / stats.workers
               : 0);
  registry_.AddGauge("scheduler_store_up", "1 when the store accepts writes")
      .WithLabels({})
      .Set(store_health.ok() ? 1 : 0);
  AdvanceTo(registry_
                .AddCounter("scheduler_tasks_submitted_total",
                            "Tasks accepted (durable)")
                .WithLabels({}),
            stats.submitted_total);
  AdvanceTo(
      registry_
          .AddCounter("scheduler_dispatches_total", "Dispatch attempts started")
          .WithLabels({}),
      stats.dispatched_total);
  AdvanceTo(registry_
                .AddCounter("scheduler_retries_total",
                            "Attempts that failed and were queued again")
                .WithLabels({}),
            stats.retries_total);
  AdvanceTo(registry_
                .AddCounter("scheduler_timeouts_total",
                            "Attempts abandoned past the task's timeout")
                .WithLabels({}),
            stats.timeouts_total);
  AdvanceTo(registry_
                .AddCounter("scheduler_store_errors_total",
                            "Writes the store refused")
                .WithLabels({}),
            stats.store_errors_total);
  AdvanceTo(registry_
                .AddCounter("scheduler_invalid_transitions_total",
                            "State changes and stale outcomes refused (a bug)")
                .WithLabels({}),
            stats.invalid_transitions_total);
  for (const TaskStore::Counter& c : store_counters) {
    AdvanceTo(registry_.AddCounter(c.name, c.help).WithLabels(c.labels),
              c.value);
  }
  return registry_.Render() + std::string(extra) +
         metrics::RenderProcessMetrics(metrics::ReadProcessStats());
}

}  // namespace staticship::scheduler
