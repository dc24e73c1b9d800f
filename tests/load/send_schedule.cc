#include "tests/load/send_schedule.h"

#include <cmath>

namespace staticship::load {

SendSchedule::SendSchedule(Clock::time_point start, double rate, int index,
                           int threads)
    : start_(start), rate_(rate), index_(index), threads_(threads) {}

SendSchedule::Clock::time_point SendSchedule::IntendedTime(uint64_t k) const {
  const double slot = static_cast<double>(index_) +
                      static_cast<double>(k) * static_cast<double>(threads_);
  // Rounded once from the slot number, never accumulated, so the spacing
  // does not drift over millions of requests.
  const auto offset = std::chrono::nanoseconds(
      static_cast<int64_t>(std::llround(slot * 1e9 / rate_)));
  return start_ + std::chrono::duration_cast<Clock::duration>(offset);
}

uint64_t SendSchedule::CountBefore(Clock::time_point t) const {
  const double elapsed = std::chrono::duration<double>(t - start_).count();
  const double slots = elapsed * rate_;
  // An estimate from floating point, then corrected against IntendedTime()
  // itself so that the two never disagree at a boundary.
  const double estimate = std::ceil((slots - static_cast<double>(index_)) /
                                    static_cast<double>(threads_));
  uint64_t k = estimate > 0 ? static_cast<uint64_t>(estimate) : 0;
  while (k > 0 && IntendedTime(k - 1) >= t) --k;
  while (IntendedTime(k) < t) ++k;
  return k;
}

}  // namespace staticship::load
