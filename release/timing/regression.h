// Trend of each duration against earlier comparable runs, and the
// regression rule: more than 20% slower than the median of the last five.
#ifndef STATICSHIP_RELEASE_TIMING_REGRESSION_H_
#define STATICSHIP_RELEASE_TIMING_REGRESSION_H_

#include <optional>
#include <vector>

#include "release/timing/record.h"
#include "release/timing/timing_run.h"

namespace staticship::timing {

struct RegressionPolicy {
  int window = 5;           // last N comparable runs
  double threshold = 0.20;  // fraction slower than the median
  // A median of one or two runs is just those runs: one noisy CI run would
  // then fail the next build, so fewer runs than this give no verdict.
  int minimum_runs = 3;
  // Sub-millisecond stages jitter by more than 20%; a slowdown smaller than
  // this is never flagged. It also makes a 0 ms baseline usable.
  double noise_floor_ms = 1.0;
};

struct Trend {
  TimingRecord current;
  int baseline_runs = 0;  // comparable runs used, at most policy.window
  std::optional<double> median_ms;
  std::optional<double> change_pct;  // unset when the median is 0
  bool regression = false;
};

// Same service, variant, stage and kind; also the same runtimes state,
// because building the runtimes from scratch adds a minute to a cold build.
bool Comparable(const TimingRecord& a, const TimingRecord& b);

double Median(std::vector<double> values);

// history is oldest first and must not contain `current`.
std::vector<Trend> ComputeTrends(const TimingRun& current,
                                 const std::vector<TimingRun>& history,
                                 const RegressionPolicy& policy = {});

}  // namespace staticship::timing

#endif  // STATICSHIP_RELEASE_TIMING_REGRESSION_H_
