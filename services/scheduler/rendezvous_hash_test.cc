#include "services/scheduler/rendezvous_hash.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace staticship::scheduler {
namespace {

TEST(RendezvousHashTest, ScoresAreFixedAcrossProcesses) {
  // Instances of different builds must agree: the function, not just its
  // determinism within one process, is pinned.
  EXPECT_EQ(RendezvousScore(7587862, "b17"), RendezvousScore(7587862, "b17"));
  EXPECT_NE(RendezvousScore(7587862, "b17"), RendezvousScore(7587863, "b17"));
  EXPECT_NE(RendezvousScore(7587862, "b17"), RendezvousScore(7587862, "b18"));
  EXPECT_EQ(RendezvousScore(1, ""), 0x10401663822dcddfULL);
}

TEST(RendezvousHashTest, NoMembersNoOwner) {
  EXPECT_EQ(RendezvousOwner({}, "a"), 0);
  EXPECT_EQ(RendezvousOwner({42}, "a"), 42);
}

TEST(RendezvousHashTest, KeysSpreadEvenlyOverTheMembers) {
  const std::set<int64_t> members = {7001, 7002, 7003};
  std::map<int64_t, int> owned;
  for (int i = 0; i < 30000; ++i) {
    ++owned[RendezvousOwner(members, "b" + std::to_string(i))];
  }
  ASSERT_EQ(owned.size(), 3u);
  for (const auto& [member, n] : owned) {
    EXPECT_GT(n, 9000) << member;
    EXPECT_LT(n, 11000) << member;
  }
}

TEST(RendezvousHashTest, OnlyTheKeysOfALeavingMemberMove) {
  const std::set<int64_t> three = {7001, 7002, 7003};
  const std::set<int64_t> two = {7001, 7003};
  int moved = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string key = "t" + std::to_string(i);
    int64_t before = RendezvousOwner(three, key);
    int64_t after = RendezvousOwner(two, key);
    if (before != 7002) {
      EXPECT_EQ(before, after) << key;
    } else {
      ++moved;
      EXPECT_NE(after, 7002);
    }
  }
  EXPECT_GT(moved, 0);
}

}  // namespace
}  // namespace staticship::scheduler
