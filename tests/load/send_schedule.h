// When an open-loop generator means to send each request: a fixed rate from
// a start time, evenly spaced. With several threads, thread i of n takes
// every n-th slot of the one global sequence (i, i + n, i + 2n, ...), so
// the requests of all threads together are still evenly spaced.
//
// A request's latency is measured from its intended time, not from when it
// was written: when the server (or the generator) falls behind, the wait
// counts, as in wrk2. Measuring from the actual send hides exactly the
// queueing a constant load is meant to show ("coordinated omission").
#ifndef STATICSHIP_TESTS_LOAD_SEND_SCHEDULE_H_
#define STATICSHIP_TESTS_LOAD_SEND_SCHEDULE_H_

#include <chrono>
#include <cstdint>

namespace staticship::load {

class SendSchedule {
 public:
  using Clock = std::chrono::steady_clock;

  // `rate` requests per second over all `threads`; this is thread `index`.
  SendSchedule(Clock::time_point start, double rate, int index, int threads);

  // The intended time of this thread's k-th request (k from 0).
  Clock::time_point IntendedTime(uint64_t k) const;
  // How many of this thread's requests are intended before `t` (strictly):
  // the k of the first one at or after `t`.
  uint64_t CountBefore(Clock::time_point t) const;
  // How many are due at `now` (intended at or before it).
  uint64_t DueAt(Clock::time_point now) const {
    return CountBefore(now + Clock::duration(1));
  }

 private:
  Clock::time_point start_;
  double rate_;
  int index_;
  int threads_;
};

}  // namespace staticship::load

#endif  // STATICSHIP_TESTS_LOAD_SEND_SCHEDULE_H_
