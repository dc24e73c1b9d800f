// Time behind an interface so that tests can move it by hand.
#ifndef STATICSHIP_SERVICES_SCHEDULER_CLOCK_H_
#define STATICSHIP_SERVICES_SCHEDULER_CLOCK_H_

#include <atomic>
#include <chrono>
#include <cstdint>

namespace staticship::scheduler {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock milliseconds since the epoch: timestamps survive restarts.
  virtual int64_t NowMs() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t NowMs() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// Monotonic milliseconds, for periods that a wall-clock step must not
// stretch or cut short (ejections).
inline int64_t SteadyNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t start_ms = 1'000'000) : now_ms_(start_ms) {}
  int64_t NowMs() const override { return now_ms_.load(); }
  void Advance(int64_t ms) { now_ms_ += ms; }

 private:
  std::atomic<int64_t> now_ms_;
};

}  // namespace staticship::scheduler

#endif  // STATICSHIP_SERVICES_SCHEDULER_CLOCK_H_
