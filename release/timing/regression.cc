#include "release/timing/regression.h"

#include <algorithm>

namespace staticship::timing {

bool Comparable(const TimingRecord& a, const TimingRecord& b) {
  return a.service == b.service && a.variant == b.variant &&
         a.stage == b.stage && a.kind == b.kind && a.runtimes == b.runtimes;
}

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t middle = values.size() / 2;
  if (values.size() % 2 == 1) return values[middle];
  return (values[middle - 1] + values[middle]) / 2;
}

std::vector<Trend> ComputeTrends(const TimingRun& current,
                                 const std::vector<TimingRun>& history,
                                 const RegressionPolicy& policy) {
  std::vector<Trend> trends;
  for (const TimingRecord& record : current.records) {
    if (!record.duration_ms) continue;
    Trend trend;
    trend.current = record;
    std::vector<double> baseline;
    for (auto run = history.rbegin();
         run != history.rend() &&
         static_cast<int>(baseline.size()) < policy.window;
         ++run) {
      // One value per run: the last comparable record of that run.
      for (auto earlier = run->records.rbegin(); earlier != run->records.rend();
           ++earlier) {
        if (earlier->duration_ms && Comparable(*earlier, record)) {
          baseline.push_back(*earlier->duration_ms);
          break;
        }
      }
    }
    trend.baseline_runs = static_cast<int>(baseline.size());
    if (!baseline.empty()) {
      const double median = Median(baseline);
      const double now = *record.duration_ms;
      trend.median_ms = median;
      if (median > 0) trend.change_pct = (now - median) / median * 100;
      trend.regression = trend.baseline_runs >= policy.minimum_runs &&
                         now > median * (1 + policy.threshold) &&
                         now - median >= policy.noise_floor_ms;
    }
    trends.push_back(std::move(trend));
  }
  return trends;
}

}  // namespace staticship::timing
