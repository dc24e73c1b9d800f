// A fixed-bucket latency histogram in seconds, shaped for Prometheus.
#ifndef STATICSHIP_SERVICES_SCHEDULER_LATENCY_HISTOGRAM_H_
#define STATICSHIP_SERVICES_SCHEDULER_LATENCY_HISTOGRAM_H_

#include <cstdint>
#include <vector>

namespace staticship::scheduler {

struct LatencyHistogram {
  // Sub-millisecond buckets: dispatch is meant to take well under 5 ms.
  std::vector<double> bounds = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                0.01,   0.025,   0.05,   0.1,   0.25,   0.5,
                                1,      2.5,     5,      10,    30};
  std::vector<uint64_t> counts = std::vector<uint64_t>(bounds.size() + 1, 0);
  double sum = 0;
  uint64_t count = 0;

  void Observe(double seconds) {
    size_t i = 0;
    while (i < bounds.size() && seconds > bounds[i]) ++i;
    ++counts[i];
    sum += seconds;
    ++count;
  }
};

}  // namespace staticship::scheduler

#endif  // STATICSHIP_SERVICES_SCHEDULER_LATENCY_HISTOGRAM_H_
