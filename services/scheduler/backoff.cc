#include "services/scheduler/backoff.h"

#include <algorithm>

namespace staticship::scheduler {

int64_t Backoff::CeilingMs(int64_t base_ms, int retry) const {
  if (base_ms <= 0) return 0;
  int64_t ceiling = base_ms;
  // Doubling stops at the cap, so the shift can never overflow.
  for (int i = 1; i < retry && ceiling < cap_ms_; ++i) ceiling *= 2;
  return std::min(ceiling, cap_ms_);
}

int64_t Backoff::DelayMs(int64_t base_ms, int retry) const {
  int64_t ceiling = CeilingMs(base_ms, retry);
  if (ceiling <= 0) return 0;
  return static_cast<int64_t>(rng_() % static_cast<uint64_t>(ceiling + 1));
}

}  // namespace staticship::scheduler
