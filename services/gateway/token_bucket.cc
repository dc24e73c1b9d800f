#include "services/gateway/token_bucket.h"

#include <algorithm>

namespace staticship::gateway {

TokenBucket::TokenBucket(double rate, double burst) {
  if (rate <= 0) return;
  interval_ns_ = std::max<int64_t>(1, static_cast<int64_t>(1e9 / rate));
  if (burst < 1) burst = 1;
  tolerance_ns_ =
      static_cast<int64_t>((burst - 1) * static_cast<double>(interval_ns_));
}

bool TokenBucket::TryTake(Clock::time_point now) {
  if (interval_ns_ == 0) return true;
  int64_t t = std::chrono::duration_cast<std::chrono::nanoseconds>(
                  now.time_since_epoch())
                  .count();
  int64_t tat = tat_ns_.load(std::memory_order_relaxed);
  while (true) {
    int64_t base = std::max(tat, t);
    if (base - t > tolerance_ns_) return false;
    if (tat_ns_.compare_exchange_weak(tat, base + interval_ns_,
                                      std::memory_order_relaxed)) {
      return true;
    }
  }
}

}  // namespace staticship::gateway
