#include "common/base/random_seed.h"

#include <gtest/gtest.h>

#include <set>

namespace staticship {
namespace {

// Seeds feed jitter and request ids: equal seeds across calls would make
// every retry of every instance line up.
TEST(RandomSeedTest, DiffersBetweenCalls) {
  std::set<uint64_t> seeds;
  for (int i = 0; i < 64; ++i) seeds.insert(RandomSeed());
  EXPECT_EQ(seeds.size(), 64u);
}

}  // namespace
}  // namespace staticship
