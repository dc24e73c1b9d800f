#include "services/scheduler/ready_queue.h"

#include <gtest/gtest.h>

namespace staticship::scheduler {
namespace {

bool Any(std::string_view) { return true; }

std::vector<std::string> Drain(ReadyQueue& q) {
  std::vector<std::string> ids;
  while (auto e = q.PopEligible(Any)) ids.push_back(e->id);
  return ids;
}

TEST(ReadyQueueTest, HigherPriorityFirstAndFifoWithin) {
  ReadyQueue q;
  uint64_t seq = 0;
  for (auto [id, prio] : std::vector<std::pair<std::string, int>>{
           {"l1", 1}, {"h1", 9}, {"m1", 5}, {"l2", 1}, {"h2", 9}, {"m2", 5}}) {
    ASSERT_TRUE(q.Push({id, prio, "z", ++seq}));
  }
  EXPECT_EQ(q.DepthAt(9), 2u);
  EXPECT_EQ(q.DepthAt(1), 2u);
  EXPECT_EQ(Drain(q),
            (std::vector<std::string>{"h1", "h2", "m1", "m2", "l1", "l2"}));
  EXPECT_TRUE(q.empty());
}

TEST(ReadyQueueTest, FifoHoldsAcrossZones) {
  ReadyQueue q;
  ASSERT_TRUE(q.Push({"a", 5, "z2", 1}));
  ASSERT_TRUE(q.Push({"b", 5, "z1", 2}));
  ASSERT_TRUE(q.Push({"c", 5, "z2", 3}));
  EXPECT_EQ(Drain(q), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(ReadyQueueTest, FullZoneDoesNotBlockOthers) {
  ReadyQueue q;
  ASSERT_TRUE(q.Push({"slow-hi", 9, "slow", 1}));
  ASSERT_TRUE(q.Push({"fast-lo", 1, "fast", 2}));
  auto e = q.PopEligible([](std::string_view z) { return z != "slow"; });
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->id, "fast-lo");
  EXPECT_FALSE(q.PopEligible([](std::string_view z) {
                  return z != "slow";
                }).has_value());
  EXPECT_EQ(q.PopEligible(Any)->id, "slow-hi");
}

TEST(ReadyQueueTest, RemoveAndDuplicates) {
  ReadyQueue q;
  ASSERT_TRUE(q.Push({"a", 3, "z", 1}));
  EXPECT_FALSE(q.Push({"a", 4, "z", 2}));
  EXPECT_FALSE(q.Push({"bad", 10, "z", 3}));
  ASSERT_TRUE(q.Push({"b", 3, "z", 4}));
  EXPECT_TRUE(q.Remove("a"));
  EXPECT_FALSE(q.Remove("a"));
  EXPECT_FALSE(q.Contains("a"));
  EXPECT_EQ(q.DepthAt(3), 1u);
  EXPECT_EQ(Drain(q), (std::vector<std::string>{"b"}));
}

}  // namespace
}  // namespace staticship::scheduler
