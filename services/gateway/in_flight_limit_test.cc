#include "services/gateway/in_flight_limit.h"

#include <gtest/gtest.h>

#include <thread>
#include <utility>
#include <vector>

namespace staticship::gateway {
namespace {

TEST(InFlightLimitTest, RefusesBeyondTheLimitAndFreesOnRelease) {
  InFlightLimit limit(2);
  InFlightLimit::Slot a = limit.TryAcquire();
  InFlightLimit::Slot b = limit.TryAcquire();
  EXPECT_TRUE(a);
  EXPECT_TRUE(b);
  EXPECT_FALSE(limit.TryAcquire());
  EXPECT_EQ(limit.in_flight(), 2u);
  a.Release();
  a.Release();  // once only
  EXPECT_EQ(limit.in_flight(), 1u);
  {
    InFlightLimit::Slot c = limit.TryAcquire();
    EXPECT_TRUE(c);
    InFlightLimit::Slot moved = std::move(c);
    EXPECT_FALSE(c);
    EXPECT_EQ(limit.in_flight(), 2u);
  }  // the destructor frees it
  EXPECT_EQ(limit.in_flight(), 1u);
}

TEST(InFlightLimitTest, NeverExceededAcrossThreads) {
  InFlightLimit limit(3);
  std::atomic<int> over{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20000; ++i) {
        InFlightLimit::Slot s = limit.TryAcquire();
        if (s && limit.in_flight() > 3) over++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(over.load(), 0);
  EXPECT_EQ(limit.in_flight(), 0u);
}

}  // namespace
}  // namespace staticship::gateway
