#include "common/diagnostics/sample_ring.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

namespace staticship::diagnostics {
namespace {

TEST(SampleRingTest, PopsWhatWasPushedInOrder) {
  SampleRing ring(4);
  const uintptr_t a[] = {1, 2, 3};
  const uintptr_t b[] = {9};
  ASSERT_TRUE(ring.Push(10, a, 3));
  ASSERT_TRUE(ring.Push(11, b, 1, 4));
  StackSample s;
  ASSERT_TRUE(ring.Pop(&s));
  EXPECT_EQ(s.tid, 10);
  ASSERT_EQ(s.depth, 3);
  EXPECT_EQ(s.pcs[2], 3u);
  EXPECT_EQ(s.weight, 1);
  ASSERT_TRUE(ring.Pop(&s));
  EXPECT_EQ(s.tid, 11);
  EXPECT_EQ(s.weight, 4);
  EXPECT_FALSE(ring.Pop(&s));
}

TEST(SampleRingTest, FullRingDropsAndCounts) {
  SampleRing ring(3);  // rounded up to 4
  EXPECT_EQ(ring.capacity(), 4u);
  const uintptr_t pc[] = {1};
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(ring.Push(i, pc, 1));
  EXPECT_FALSE(ring.Push(99, pc, 1));
  EXPECT_EQ(ring.dropped(), 1u);
  StackSample s;
  ASSERT_TRUE(ring.Pop(&s));
  EXPECT_TRUE(ring.Push(5, pc, 1));  // room again
}

TEST(SampleRingTest, DepthIsClamped) {
  SampleRing ring(2);
  uintptr_t many[kMaxFrames + 10] = {};
  ASSERT_TRUE(ring.Push(1, many, kMaxFrames + 10));
  StackSample s;
  ASSERT_TRUE(ring.Pop(&s));
  EXPECT_EQ(s.depth, kMaxFrames);
}

TEST(SampleRingTest, ConcurrentProducersAndAConsumerLoseNothingUncounted) {
  SampleRing ring(64);
  constexpr int kPerThread = 20000;
  std::vector<std::thread> producers;
  for (int t = 0; t < 3; ++t) {
    producers.emplace_back([&ring, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const uintptr_t pcs[] = {static_cast<uintptr_t>(i),
                                 static_cast<uintptr_t>(t)};
        ring.Push(t, pcs, 2);
      }
    });
  }
  uint64_t popped = 0;
  std::atomic<bool> producing{true};
  std::thread consumer([&] {
    StackSample s;
    for (;;) {
      if (ring.Pop(&s)) {
        // A sample is never torn: its tid matches what it carries.
        EXPECT_EQ(s.depth, 2);
        EXPECT_EQ(static_cast<int>(s.pcs[1]), s.tid);
        ++popped;
      } else if (!producing.load()) {
        break;
      }
    }
  });
  for (auto& p : producers) p.join();
  producing.store(false);
  consumer.join();
  StackSample s;
  while (ring.Pop(&s)) ++popped;
  EXPECT_EQ(popped + ring.dropped(), uint64_t{3} * kPerThread);
}

}  // namespace
}  // namespace staticship::diagnostics
