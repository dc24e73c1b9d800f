// Exponential backoff with full jitter (AWS architecture blog's "Full
// Jitter"): the delay is uniform in [0, min(cap, base * 2^(retry-1))], which
// spreads retries of a burst of failures instead of synchronising them.
// With Jitter::kFloorAtHalf the draw is uniform in [ceiling/2, ceiling]
// instead (the blog's "Equal Jitter"): a caller that must outlast an outage
// of a known length (a game server's restart) then has a lower bound on the
// time its retries span, which full jitter alone cannot give (every draw may
// be 0), and the wait pending when the outage ends is bounded too.
//
// The randomness is injected: a process seeds it once (RandomSeed), each
// thread draws from its own generator, and tests pass fixed numbers.
#ifndef STATICSHIP_COMMON_BASE_BACKOFF_H_
#define STATICSHIP_COMMON_BASE_BACKOFF_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>

namespace staticship {

class Backoff {
 public:
  // Returns uniformly distributed 64-bit values.
  using Rng = std::function<uint64_t()>;

  enum class Jitter { kFull, kFloorAtHalf };

  static constexpr int64_t kDefaultBaseMs = 100;
  static constexpr int64_t kDefaultCapMs = 10'000;

  Backoff(Rng rng, int64_t cap_ms = kDefaultCapMs,
          Jitter jitter = Jitter::kFull)
      : rng_(std::move(rng)), cap_ms_(cap_ms), jitter_(jitter) {}

  // The upper bound of the delay before retry number `retry` (1-based).
  int64_t CeilingMs(int64_t base_ms, int retry) const;
  // The lower bound: 0, or with kFloorAtHalf half the ceiling.
  int64_t FloorMs(int64_t base_ms, int retry) const;
  // A random delay in [FloorMs, CeilingMs].
  int64_t DelayMs(int64_t base_ms, int retry) const;

 private:
  Rng rng_;
  int64_t cap_ms_;
  Jitter jitter_;
};

// A generator for Backoff::Rng (not thread-safe: one per thread). Threads
// that share one `seed` pass different `stream`s and draw different
// sequences.
Backoff::Rng SeededRng(uint64_t seed, uint64_t stream = 0);

// The retries of one request within a time budget: Backoff's delays until
// the next one would end past the deadline.
//
//   RetryDeadline retry(backoff, 50, std::chrono::seconds(30));
//   for (;;) {
//     if (Try()) break;
//     auto delay = retry.Next();
//     if (!delay) return the error;
//     sleep(*delay);
//   }
class RetryDeadline {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  using Now = std::function<TimePoint()>;

  RetryDeadline(const Backoff& backoff, int64_t base_ms,
                std::chrono::milliseconds budget,
                Now now = std::chrono::steady_clock::now);

  // The delay before the next retry, or nullopt when waiting it would end
  // past the deadline.
  std::optional<std::chrono::milliseconds> Next();

 private:
  const Backoff& backoff_;
  const int64_t base_ms_;
  const Now now_;
  const TimePoint deadline_;
  int retry_ = 0;
};

}  // namespace staticship

#endif  // STATICSHIP_COMMON_BASE_BACKOFF_H_
