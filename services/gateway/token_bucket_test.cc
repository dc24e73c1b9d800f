#include "services/gateway/token_bucket.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace staticship::gateway {
namespace {

using namespace std::chrono_literals;
using Clock = TokenBucket::Clock;

TEST(TokenBucketTest, BurstThenRefillAtRate) {
  TokenBucket b(/*rate=*/10, /*burst=*/5);
  Clock::time_point t{std::chrono::hours(1)};
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(b.TryTake(t)) << i;
  EXPECT_FALSE(b.TryTake(t));
  EXPECT_FALSE(b.TryTake(t + 99ms));
  EXPECT_TRUE(b.TryTake(t + 100ms));  // one token per 100 ms
  EXPECT_FALSE(b.TryTake(t + 100ms));
  // A long pause refills to the burst, not beyond.
  t += 10s;
  int taken = 0;
  while (b.TryTake(t)) ++taken;
  EXPECT_EQ(taken, 5);
}

TEST(TokenBucketTest, ZeroRateIsUnlimited) {
  TokenBucket b(0, 0);
  EXPECT_TRUE(b.unlimited());
  Clock::time_point t{};
  for (int i = 0; i < 100000; ++i) ASSERT_TRUE(b.TryTake(t));
}

TEST(TokenBucketTest, ConcurrentTakersNeverExceedTheBurst) {
  TokenBucket b(1, 1000);  // 1000 tokens, refill negligible
  Clock::time_point t{std::chrono::hours(1)};
  std::atomic<int> taken{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 1000; ++j) {
        if (b.TryTake(t)) taken++;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(taken.load(), 1000);
}

}  // namespace
}  // namespace staticship::gateway
