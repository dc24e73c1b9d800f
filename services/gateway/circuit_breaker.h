// A per-route circuit breaker with Sentinel's state machine:
//   CLOSED -> OPEN      when, over the sliding window, at least min_requests
//                       completed and failures/completed >= error_ratio;
//   OPEN -> HALF_OPEN   after open_for; everything is rejected until then;
//   HALF_OPEN           lets half_open_probes requests through: any failure
//                       reopens, half_open_probes successes close.
// Only requests the breaker let through are recorded: its own rejections are
// not failures (go-zero#5551's feedback loop). Outcomes of requests admitted
// before the last state change are ignored, so a slow request from the old
// CLOSED period cannot close a breaker that has since opened.
//
//   CircuitBreaker breaker(config.breaker, [] { return Clock::now(); });
//   auto ticket = breaker.Allow();
//   if (!ticket.allowed) { ...fallback or 503... }
//   ... later: breaker.Record(ticket, /*success=*/status < 500);
//   ... or, if the gateway itself did not send it: breaker.Cancel(ticket);
#ifndef STATICSHIP_SERVICES_GATEWAY_CIRCUIT_BREAKER_H_
#define STATICSHIP_SERVICES_GATEWAY_CIRCUIT_BREAKER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string_view>
#include <vector>

#include "services/gateway/config.h"

namespace staticship::gateway {

class CircuitBreaker {
 public:
  using Clock = std::chrono::steady_clock;
  using NowFn = std::function<Clock::time_point()>;
  enum class State { kClosed = 0, kOpen = 1, kHalfOpen = 2 };

  struct Ticket {
    bool allowed = false;
    uint64_t generation = 0;
  };

  CircuitBreaker(BreakerConfig config, NowFn now);

  Ticket Allow();
  void Record(const Ticket& ticket, bool success);
  // The admitted request was never sent upstream (the gateway's own
  // back-pressure, like the pool limit): it says nothing about the upstream,
  // so it is neither a success nor a failure. A half-open probe slot is given
  // back, or the breaker would wait forever for that probe's outcome.
  void Cancel(const Ticket& ticket);
  State state();

 private:
  static constexpr size_t kBuckets = 10;
  struct Bucket {
    int64_t start = -1;  // bucket index in time (now / bucket_width)
    uint64_t total = 0;
    uint64_t failures = 0;
  };

  void AdvanceLocked(Clock::time_point now);
  void TransitionLocked(State to, Clock::time_point now);
  Bucket& CurrentBucketLocked(Clock::time_point now);

  BreakerConfig config_;
  NowFn now_;
  std::mutex mu_;
  State state_ = State::kClosed;
  uint64_t generation_ = 1;
  Clock::time_point opened_at_{};
  uint32_t probes_started_ = 0;
  uint32_t probes_succeeded_ = 0;
  std::vector<Bucket> buckets_;
  Clock::duration bucket_width_;
};

std::string_view StateName(CircuitBreaker::State state);

}  // namespace staticship::gateway

#endif  // STATICSHIP_SERVICES_GATEWAY_CIRCUIT_BREAKER_H_
