// Exponential backoff with full jitter (AWS architecture blog's "Full
// Jitter"): the delay is uniform in [0, min(cap, base * 2^(retry-1))], which
// spreads retries of a burst of failures instead of synchronising them.
#ifndef STATICSHIP_SERVICES_SCHEDULER_BACKOFF_H_
#define STATICSHIP_SERVICES_SCHEDULER_BACKOFF_H_

#include <cstdint>
#include <functional>

namespace staticship::scheduler {

class Backoff {
 public:
  // Returns uniformly distributed 64-bit values.
  using Rng = std::function<uint64_t()>;

  static constexpr int64_t kDefaultBaseMs = 100;
  static constexpr int64_t kDefaultCapMs = 10'000;

  Backoff(Rng rng, int64_t cap_ms = kDefaultCapMs)
      : rng_(std::move(rng)), cap_ms_(cap_ms) {}

  // The upper bound of the delay before retry number `retry` (1-based).
  int64_t CeilingMs(int64_t base_ms, int retry) const;
  // A random delay in [0, CeilingMs(base_ms, retry)].
  int64_t DelayMs(int64_t base_ms, int retry) const;

 private:
  Rng rng_;
  int64_t cap_ms_;
};

}  // namespace staticship::scheduler

#endif  // STATICSHIP_SERVICES_SCHEDULER_BACKOFF_H_
