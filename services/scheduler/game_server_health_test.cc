#include "services/scheduler/game_server_health.h"

#include <gtest/gtest.h>

namespace staticship::scheduler {
namespace {

constexpr EjectionPolicy kPolicy{
    .failures_to_eject = 3, .base_ms = 1000, .max_ms = 5000};

TEST(GameServerHealthTest, EjectedAfterKFailuresInARowOnly) {
  GameServerHealth health(kPolicy);
  EXPECT_FALSE(health.RecordFailure(0));
  EXPECT_FALSE(health.RecordFailure(1));
  health.RecordSuccess();  // the count starts again
  EXPECT_FALSE(health.RecordFailure(2));
  EXPECT_FALSE(health.RecordFailure(3));
  EXPECT_FALSE(health.ejected(3));
  EXPECT_TRUE(health.RecordFailure(4));
  EXPECT_TRUE(health.ejected(4));
  EXPECT_TRUE(health.ejected(1003));
  EXPECT_FALSE(health.ejected(1004));
  EXPECT_EQ(health.ejections_total(), 1u);
}

TEST(GameServerHealthTest, FailuresDuringAnEjectionAreLateNews) {
  GameServerHealth health(kPolicy);
  for (int i = 0; i < 3; ++i) health.RecordFailure(0);
  ASSERT_TRUE(health.ejected(0));
  EXPECT_FALSE(health.RecordFailure(10));
  EXPECT_FALSE(health.RecordFailure(20));
  EXPECT_EQ(health.ejected_until_ms(), 1000);
  EXPECT_EQ(health.ejections_total(), 1u);
}

TEST(GameServerHealthTest, ProbationFailureEjectsAgainForLongerUpToTheCap) {
  GameServerHealth health(kPolicy);
  for (int i = 0; i < 3; ++i) health.RecordFailure(0);
  EXPECT_EQ(health.ejected_until_ms(), 1000);
  // One failure after the period ends is enough, and the period doubles.
  EXPECT_TRUE(health.RecordFailure(1000));
  EXPECT_EQ(health.ejected_until_ms(), 3000);
  EXPECT_TRUE(health.RecordFailure(3000));
  EXPECT_EQ(health.ejected_until_ms(), 7000);
  EXPECT_TRUE(health.RecordFailure(7000));
  EXPECT_EQ(health.ejected_until_ms(), 12000);  // capped at 5000
  EXPECT_TRUE(health.RecordFailure(12000));
  EXPECT_EQ(health.ejected_until_ms(), 17000);
  EXPECT_EQ(health.ejections_total(), 5u);
}

TEST(GameServerHealthTest, SuccessEndsTheEjectionAndForgivesThePast) {
  GameServerHealth health(kPolicy);
  for (int i = 0; i < 3; ++i) health.RecordFailure(0);
  EXPECT_TRUE(health.RecordFailure(1000));  // second ejection: 2000 ms
  health.RecordSuccess();
  EXPECT_FALSE(health.ejected(1001));
  // Back to K failures and the base period.
  EXPECT_FALSE(health.RecordFailure(1100));
  EXPECT_FALSE(health.RecordFailure(1101));
  EXPECT_TRUE(health.RecordFailure(1102));
  EXPECT_EQ(health.ejected_until_ms(), 2102);
}

TEST(GameServerHealthTest, ZeroFailuresToEjectNeverEjects) {
  GameServerHealth health({.failures_to_eject = 0});
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(health.RecordFailure(i));
  EXPECT_FALSE(health.ejected(100));
}

}  // namespace
}  // namespace staticship::scheduler
