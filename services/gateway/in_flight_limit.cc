#include "services/gateway/in_flight_limit.h"

namespace staticship::gateway {

InFlightLimit::Slot& InFlightLimit::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    Release();
    limit_ = other.limit_;
    other.limit_ = nullptr;
  }
  return *this;
}

void InFlightLimit::Slot::Release() {
  if (limit_ == nullptr) return;
  limit_->count_.fetch_sub(1, std::memory_order_relaxed);
  limit_ = nullptr;
}

InFlightLimit::Slot InFlightLimit::TryAcquire() {
  // A compare-exchange rather than add-then-undo: a request that overshoots
  // must not make a concurrent one within the limit fail.
  size_t n = count_.load(std::memory_order_relaxed);
  while (n < max_) {
    if (count_.compare_exchange_weak(n, n + 1, std::memory_order_relaxed)) {
      return Slot(this);
    }
  }
  return Slot();
}

}  // namespace staticship::gateway
