// Polls until a condition holds, for tests that watch a real process or
// server change state.
#ifndef STATICSHIP_COMMON_TESTING_WAIT_H_
#define STATICSHIP_COMMON_TESTING_WAIT_H_

#include <chrono>
#include <thread>

namespace staticship::testing {

// True as soon as `condition()` is; false if it still is not after `limit`
// (checked once more at the end, so a slow last poll does not lose it).
template <typename F>
bool WaitFor(F&& condition, std::chrono::milliseconds limit,
             std::chrono::milliseconds poll = std::chrono::milliseconds(20)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (condition()) return true;
    std::this_thread::sleep_for(poll);
  }
  return condition();
}

}  // namespace staticship::testing

#endif  // STATICSHIP_COMMON_TESTING_WAIT_H_
