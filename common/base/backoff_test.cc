#include "common/base/backoff.h"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <vector>

namespace staticship {
namespace {

TEST(BackoffTest, CeilingDoublesFromBaseUpToCap) {
  Backoff b([] { return uint64_t{0}; });
  EXPECT_EQ(b.CeilingMs(100, 1), 100);
  EXPECT_EQ(b.CeilingMs(100, 2), 200);
  EXPECT_EQ(b.CeilingMs(100, 3), 400);
  EXPECT_EQ(b.CeilingMs(100, 7), 6400);
  EXPECT_EQ(b.CeilingMs(100, 8), 10000);
  EXPECT_EQ(b.CeilingMs(100, 1000), 10000);
  EXPECT_EQ(Backoff([] { return uint64_t{0}; }, 500).CeilingMs(300, 2), 500);
}

TEST(BackoffTest, FullJitterSpansZeroToCeiling) {
  uint64_t next = 0;
  Backoff b([&next] { return next; });
  next = 0;
  EXPECT_EQ(b.DelayMs(100, 3), 0);
  next = 400;  // 400 % 401
  EXPECT_EQ(b.DelayMs(100, 3), 400);
  next = 401;
  EXPECT_EQ(b.DelayMs(100, 3), 0);
}

TEST(BackoffTest, FloorAtHalfSpansHalfToFullCeiling) {
  uint64_t next = 0;
  Backoff b([&next] { return next; }, 10'000, Backoff::Jitter::kFloorAtHalf);
  EXPECT_EQ(b.FloorMs(100, 3), 200);
  EXPECT_EQ(b.DelayMs(100, 3), 200);  // the smallest draw waits half
  next = 200;                         // 200 % (400 - 200 + 1)
  EXPECT_EQ(b.DelayMs(100, 3), 400);
  next = 201;
  EXPECT_EQ(b.DelayMs(100, 3), 200);
  // At the cap the floor is half the cap, never more than the cap.
  next = 0;
  EXPECT_EQ(b.DelayMs(100, 40), 5000);
  next = 5000;
  EXPECT_EQ(b.DelayMs(100, 40), 10000);
  EXPECT_EQ(Backoff([] { return uint64_t{0}; }).FloorMs(100, 3), 0);
}

TEST(BackoffTest, RandomDelaysStayInRangeAndSpread) {
  std::mt19937_64 rng(7);
  Backoff b([&rng] { return rng(); });
  int64_t lo = 1 << 30, hi = -1;
  for (int i = 0; i < 2000; ++i) {
    int64_t d = b.DelayMs(100, 4);
    ASSERT_GE(d, 0);
    ASSERT_LE(d, 800);
    lo = std::min(lo, d);
    hi = std::max(hi, d);
  }
  EXPECT_LT(lo, 100);
  EXPECT_GT(hi, 700);
}

TEST(SeededRngTest, OneSeedAndStreamGiveOneSequence) {
  Backoff::Rng a = SeededRng(42, 3);
  Backoff::Rng b = SeededRng(42, 3);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(a(), b());
}

TEST(SeededRngTest, StreamsAndSeedsDiffer) {
  std::set<uint64_t> firsts;
  for (uint64_t stream = 0; stream < 50; ++stream) {
    firsts.insert(SeededRng(42, stream)());
  }
  firsts.insert(SeededRng(43, 0)());
  EXPECT_EQ(firsts.size(), 51u);
}

// A clock that moves only when told.
struct ManualTime {
  RetryDeadline::TimePoint now{};
  RetryDeadline::Now fn() {
    return [this] { return now; };
  }
};

TEST(RetryDeadlineTest, DelaysGrowUntilTheNextWouldEndPastTheBudget) {
  ManualTime t;
  // random % (ceiling + 1) with 1000: ceilings 50, 100, 200, 400, 800, 1000.
  Backoff b([] { return uint64_t{1000}; }, 1000);
  RetryDeadline retry(b, 50, std::chrono::milliseconds(1000), t.fn());
  std::vector<int64_t> delays;
  while (auto d = retry.Next()) {
    delays.push_back(d->count());
    t.now += *d;
  }
  // 31 + 91 + 196 + 198 + 199 = 715; the next 1000 would end at 1715.
  EXPECT_EQ(delays, (std::vector<int64_t>{31, 91, 196, 198, 199}));
}

TEST(RetryDeadlineTest, TimeSpentOutsideTheWaitsCounts) {
  ManualTime t;
  Backoff b([] { return uint64_t{1000}; }, 1000);
  RetryDeadline retry(b, 50, std::chrono::milliseconds(1000), t.fn());
  ASSERT_TRUE(retry.Next());                // 31
  t.now += std::chrono::milliseconds(950);  // a slow request
  EXPECT_FALSE(retry.Next());               // 91 more would end at 1041
}

TEST(RetryDeadlineTest, AZeroBudgetAllowsOnlyAZeroDelay) {
  ManualTime t;
  Backoff b([] { return uint64_t{0}; });
  RetryDeadline retry(b, 50, std::chrono::milliseconds(0), t.fn());
  // A zero delay still fits: the deadline is inclusive.
  EXPECT_EQ(retry.Next(), std::chrono::milliseconds(0));
  t.now += std::chrono::milliseconds(1);
  EXPECT_FALSE(retry.Next());
}

}  // namespace
}  // namespace staticship
