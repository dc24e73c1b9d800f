// A process-wide token bucket (QPS limit, 429 beyond it) implemented as
// GCRA on one atomic: lock-free across worker threads. `rate` tokens per
// second refill a bucket of `burst` tokens; the caller passes the time, so
// tests drive it with a fake clock.
#ifndef STATICSHIP_SERVICES_GATEWAY_TOKEN_BUCKET_H_
#define STATICSHIP_SERVICES_GATEWAY_TOKEN_BUCKET_H_

#include <atomic>
#include <chrono>
#include <cstdint>

namespace staticship::gateway {

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;
  // rate <= 0 disables the limit. burst < 1 is raised to 1.
  TokenBucket(double rate, double burst);
  bool TryTake(Clock::time_point now);
  bool unlimited() const { return interval_ns_ == 0; }

 private:
  int64_t interval_ns_ = 0;   // time per token
  int64_t tolerance_ns_ = 0;  // (burst - 1) * interval
  // Theoretical arrival time of the next request, in ns since the epoch.
  std::atomic<int64_t> tat_ns_{0};
};

}  // namespace staticship::gateway

#endif  // STATICSHIP_SERVICES_GATEWAY_TOKEN_BUCKET_H_
