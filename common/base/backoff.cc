#include "common/base/backoff.h"

#include <algorithm>
#include <random>

namespace staticship {

int64_t Backoff::CeilingMs(int64_t base_ms, int retry) const {
  if (base_ms <= 0) return 0;
  int64_t ceiling = base_ms;
  // Doubling stops at the cap, so the shift can never overflow.
  for (int i = 1; i < retry && ceiling < cap_ms_; ++i) ceiling *= 2;
  return std::min(ceiling, cap_ms_);
}

int64_t Backoff::FloorMs(int64_t base_ms, int retry) const {
  if (jitter_ == Jitter::kFull) return 0;
  return CeilingMs(base_ms, retry) / 2;
}

int64_t Backoff::DelayMs(int64_t base_ms, int retry) const {
  int64_t ceiling = CeilingMs(base_ms, retry);
  if (ceiling <= 0) return 0;
  int64_t floor = FloorMs(base_ms, retry);
  uint64_t span = static_cast<uint64_t>(ceiling - floor) + 1;
  return floor + static_cast<int64_t>(rng_() % span);
}

Backoff::Rng SeededRng(uint64_t seed, uint64_t stream) {
  // seed_seq spreads the bits, so streams 0, 1, 2 of one seed do not start
  // the generator in nearby states.
  std::seed_seq seq{
      static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32),
      static_cast<uint32_t>(stream), static_cast<uint32_t>(stream >> 32)};
  return [engine = std::mt19937_64(seq)]() mutable { return engine(); };
}

RetryDeadline::RetryDeadline(const Backoff& backoff, int64_t base_ms,
                             std::chrono::milliseconds budget, Now now)
    : backoff_(backoff),
      base_ms_(base_ms),
      now_(std::move(now)),
      deadline_(now_() + budget) {}

std::optional<std::chrono::milliseconds> RetryDeadline::Next() {
  std::chrono::milliseconds delay(backoff_.DelayMs(base_ms_, ++retry_));
  if (now_() + delay > deadline_) return std::nullopt;
  return delay;
}

}  // namespace staticship
