// A route's bound on requests in flight at once, counted over all workers
// (Envoy's max_requests threshold): one atomic, owned by the route's
// runtime, so the check is lock-free and allocation-free.
//
//   InFlightLimit::Slot slot = limit.TryAcquire();
//   if (!slot) return 503;
//   ...                       // slot.Release() or its destructor frees it
#ifndef STATICSHIP_SERVICES_GATEWAY_IN_FLIGHT_LIMIT_H_
#define STATICSHIP_SERVICES_GATEWAY_IN_FLIGHT_LIMIT_H_

#include <atomic>
#include <cstddef>

namespace staticship::gateway {

class InFlightLimit {
 public:
  // Holds one unit of the limit until released or destroyed; empty when the
  // limit was reached.
  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& other) noexcept : limit_(other.limit_) {
      other.limit_ = nullptr;
    }
    Slot& operator=(Slot&& other) noexcept;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot() { Release(); }

    explicit operator bool() const { return limit_ != nullptr; }
    void Release();

   private:
    friend class InFlightLimit;
    explicit Slot(InFlightLimit* limit) : limit_(limit) {}
    InFlightLimit* limit_ = nullptr;
  };

  explicit InFlightLimit(size_t max) : max_(max) {}
  InFlightLimit(const InFlightLimit&) = delete;
  InFlightLimit& operator=(const InFlightLimit&) = delete;

  Slot TryAcquire();
  size_t in_flight() const { return count_.load(std::memory_order_relaxed); }
  size_t max() const { return max_; }

 private:
  const size_t max_;
  std::atomic<size_t> count_{0};
};

}  // namespace staticship::gateway

#endif  // STATICSHIP_SERVICES_GATEWAY_IN_FLIGHT_LIMIT_H_
