// The scheduler's Prometheus families. Latencies are observed as they happen
// (SchedulerCore calls in); counts and gauges are read from CoreStats when
// /metrics is scraped.
#ifndef STATICSHIP_SERVICES_SCHEDULER_SCHEDULER_METRICS_H_
#define STATICSHIP_SERVICES_SCHEDULER_SCHEDULER_METRICS_H_

#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"
#include "common/metrics/metrics.h"
#include "services/scheduler/core_stats.h"
#include "services/scheduler/task_store.h"

namespace staticship::scheduler {

class SchedulerMetrics {
 public:
  SchedulerMetrics();

  void ObserveDispatch(double seconds) { dispatch_seconds_.Observe(seconds); }
  void ObserveQueueWait(double seconds) {
    queue_wait_seconds_.Observe(seconds);
  }

  // Prometheus text for the current stats and the store's own counters,
  // then `extra` (complete families rendered elsewhere), then the standard
  // process_* metrics.
  std::string Render(const CoreStats& stats, const Status& store_health,
                     const std::vector<TaskStore::Counter>& store_counters,
                     std::string_view extra = {});

 private:
  metrics::Registry registry_;
  metrics::Histogram& dispatch_seconds_;
  metrics::Histogram& queue_wait_seconds_;
  std::mutex render_mu_;  // counters advance by delta, one scrape at a time
};

}  // namespace staticship::scheduler

#endif  // STATICSHIP_SERVICES_SCHEDULER_SCHEDULER_METRICS_H_
