#include "tests/load/send_schedule.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace staticship::load {
namespace {

using Clock = SendSchedule::Clock;
using std::chrono::nanoseconds;

const Clock::time_point kStart = Clock::time_point() + std::chrono::hours(1);

int64_t NanosSinceStart(Clock::time_point t) {
  return std::chrono::duration_cast<nanoseconds>(t - kStart).count();
}

TEST(SendScheduleTest, OneThreadIsEvenlySpaced) {
  const SendSchedule s(kStart, 12000, 0, 1);
  for (uint64_t k = 0; k < 100000; ++k) {
    // 1/12000 s = 83333.33 ns; rounding from the slot number keeps each
    // time within half a nanosecond of k / rate, with no drift.
    ASSERT_NEAR(static_cast<double>(NanosSinceStart(s.IntendedTime(k))),
                static_cast<double>(k) * 1e9 / 12000, 0.5)
        << k;
  }
}

TEST(SendScheduleTest, ThreadsInterleaveIntoOneEvenSequence) {
  const int threads = 3;
  const double rate = 7000;
  std::vector<int64_t> times;
  for (int t = 0; t < threads; ++t) {
    const SendSchedule s(kStart, rate, t, threads);
    for (uint64_t k = 0; k < 1000; ++k) {
      times.push_back(NanosSinceStart(s.IntendedTime(k)));
    }
  }
  std::sort(times.begin(), times.end());
  for (size_t i = 0; i < times.size(); ++i) {
    ASSERT_NEAR(static_cast<double>(times[i]),
                static_cast<double>(i) * 1e9 / rate, 0.5)
        << i;
  }
}

TEST(SendScheduleTest, CountBeforeAgreesWithIntendedTimeAtEveryBoundary) {
  for (int threads : {1, 2, 5}) {
    for (int t = 0; t < threads; ++t) {
      const SendSchedule s(kStart, 3000, t, threads);
      EXPECT_EQ(s.CountBefore(kStart), 0u);
      for (uint64_t k = 0; k < 2000; ++k) {
        const Clock::time_point at = s.IntendedTime(k);
        // Strictly before its own time: k earlier ones; due at it: k + 1.
        ASSERT_EQ(s.CountBefore(at), k) << t << "/" << threads;
        ASSERT_EQ(s.DueAt(at), k + 1);
        ASSERT_EQ(s.DueAt(at - nanoseconds(1)), k);
      }
    }
  }
}

TEST(SendScheduleTest, OneSecondHoldsRateRequestsOverAllThreads) {
  const double rate = 2000;
  for (int threads : {1, 2, 4}) {
    uint64_t total = 0;
    for (int t = 0; t < threads; ++t) {
      const SendSchedule s(kStart, rate, t, threads);
      total += s.CountBefore(kStart + std::chrono::seconds(1)) -
               s.CountBefore(kStart);
    }
    EXPECT_EQ(total, 2000u) << threads << " threads";
  }
}

TEST(SendScheduleTest, BeforeTheStartNothingIsDue) {
  const SendSchedule s(kStart, 1000, 1, 2);
  EXPECT_EQ(s.DueAt(kStart - std::chrono::seconds(1)), 0u);
  // Thread 1 of 2 at 1000/s: its first slot is 1 ms in.
  EXPECT_EQ(s.DueAt(kStart), 0u);
  EXPECT_EQ(s.DueAt(kStart + std::chrono::milliseconds(1)), 1u);
}

}  // namespace
}  // namespace staticship::load
