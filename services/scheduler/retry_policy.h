// The scheduler's retry defaults, for a task that names none.
//
// A game server restarts in seconds (the stand-in test takes it down for
// 10 s). Under the old defaults (3 retries, full jitter on 100 ms) every
// draw could be 0 and tasks went `dead` within 80 ms. Now retry n waits
// between half and all of backoff_ms * 2^(n-1), capped at 10 minutes: the
// first four retries span at least 7.5 s and the first 15 (the default
// budget) at least 33 minutes and at most 67, the order of Asynq's and
// Sidekiq's growing delays (Celery waits 180 s), short of Sidekiq's 21 days
// because a game task that old has lost its point. Any outage of 10 s ends
// before the fifth retry's ceiling (16 s), so it costs a task at most that
// wait, never the task.
#ifndef STATICSHIP_SERVICES_SCHEDULER_RETRY_POLICY_H_
#define STATICSHIP_SERVICES_SCHEDULER_RETRY_POLICY_H_

#include <cstdint>
#include <utility>

#include "common/base/backoff.h"

namespace staticship::scheduler {

inline constexpr int kDefaultMaxRetries = 15;
inline constexpr int64_t kDefaultBackoffMs = 1000;
inline constexpr int64_t kRetryCapMs = 600'000;

inline Backoff MakeRetryBackoff(Backoff::Rng rng) {
  return Backoff(std::move(rng), kRetryCapMs, Backoff::Jitter::kFloorAtHalf);
}

}  // namespace staticship::scheduler

#endif  // STATICSHIP_SERVICES_SCHEDULER_RETRY_POLICY_H_
