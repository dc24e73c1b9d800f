#include "services/scheduler/backoff.h"

#include <gtest/gtest.h>

#include <random>

namespace staticship::scheduler {
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

}  // namespace
}  // namespace staticship::scheduler
