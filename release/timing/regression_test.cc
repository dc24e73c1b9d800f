#include "release/timing/regression.h"

#include <gtest/gtest.h>

namespace staticship::timing {
namespace {

TimingRecord Compile(double ms, std::string kind = "cold") {
  TimingRecord r;
  r.service = "hello";
  r.variant = "static";
  r.stage = "compile";
  r.kind = std::move(kind);
  r.runtimes = "warm";
  r.duration_ms = ms;
  return r;
}

TimingRun RunOf(std::vector<TimingRecord> records) {
  TimingRun run;
  run.run_id = "r";
  run.records = std::move(records);
  return run;
}

std::vector<TimingRun> HistoryOf(const std::vector<double>& ms) {
  std::vector<TimingRun> history;
  for (double value : ms) history.push_back(RunOf({Compile(value)}));
  return history;
}

TEST(MedianTest, OddAndEvenCounts) {
  EXPECT_DOUBLE_EQ(Median({5, 1, 3}), 3);
  EXPECT_DOUBLE_EQ(Median({4, 1, 3, 2}), 2.5);
  EXPECT_DOUBLE_EQ(Median({}), 0);
}

TEST(RegressionTest, MoreThanTwentyPercentOverTheMedianIsFlagged) {
  const auto trends =
      ComputeTrends(RunOf({Compile(121)}), HistoryOf({100, 90, 110, 100, 95}));
  ASSERT_EQ(trends.size(), 1u);
  EXPECT_EQ(trends[0].baseline_runs, 5);
  EXPECT_DOUBLE_EQ(*trends[0].median_ms, 100);
  EXPECT_NEAR(*trends[0].change_pct, 21, 1e-9);
  EXPECT_TRUE(trends[0].regression);
}

TEST(RegressionTest, ExactlyTwentyPercentIsNotARegression) {
  const auto trends = ComputeTrends(RunOf({Compile(120)}),
                                    HistoryOf({100, 100, 100, 100, 100}));
  EXPECT_FALSE(trends[0].regression);
}

TEST(RegressionTest, OnlyTheLastFiveComparableRunsCount) {
  // The three oldest runs are slow; were they counted the median would be
  // 300 and 150 would look like an improvement.
  const auto trends =
      ComputeTrends(RunOf({Compile(150)}),
                    HistoryOf({300, 300, 300, 100, 100, 100, 100, 100}));
  EXPECT_EQ(trends[0].baseline_runs, 5);
  EXPECT_DOUBLE_EQ(*trends[0].median_ms, 100);
  EXPECT_TRUE(trends[0].regression);
}

TEST(RegressionTest, FewerRunsThanTheMinimumGiveNoVerdict) {
  const auto two = ComputeTrends(RunOf({Compile(500)}), HistoryOf({100, 100}));
  EXPECT_EQ(two[0].baseline_runs, 2);
  EXPECT_DOUBLE_EQ(*two[0].median_ms, 100);
  EXPECT_FALSE(two[0].regression);

  const auto three =
      ComputeTrends(RunOf({Compile(500)}), HistoryOf({100, 100, 100}));
  EXPECT_TRUE(three[0].regression);

  const auto none = ComputeTrends(RunOf({Compile(500)}), {});
  EXPECT_EQ(none[0].baseline_runs, 0);
  EXPECT_FALSE(none[0].median_ms.has_value());
  EXPECT_FALSE(none[0].regression);
}

TEST(RegressionTest, ZeroDurations) {
  const auto still_zero =
      ComputeTrends(RunOf({Compile(0)}), HistoryOf({0, 0, 0, 0, 0}));
  EXPECT_FALSE(still_zero[0].regression);
  EXPECT_FALSE(still_zero[0].change_pct.has_value());

  const auto jitter =
      ComputeTrends(RunOf({Compile(0.4)}), HistoryOf({0, 0, 0, 0, 0}));
  EXPECT_FALSE(jitter[0].regression);

  const auto from_zero =
      ComputeTrends(RunOf({Compile(50)}), HistoryOf({0, 0, 0, 0, 0}));
  EXPECT_TRUE(from_zero[0].regression);
  EXPECT_FALSE(from_zero[0].change_pct.has_value());

  const auto to_zero =
      ComputeTrends(RunOf({Compile(0)}), HistoryOf({10, 10, 10}));
  EXPECT_FALSE(to_zero[0].regression);
  EXPECT_NEAR(*to_zero[0].change_pct, -100, 1e-9);
}

TEST(RegressionTest, SubMillisecondSlowdownsAreNoise) {
  const auto trends =
      ComputeTrends(RunOf({Compile(0.9)}), HistoryOf({0.3, 0.3, 0.3}));
  EXPECT_FALSE(trends[0].regression);
}

TEST(RegressionTest, OtherKindsVariantsAndRuntimeStatesAreNotComparable) {
  std::vector<TimingRun> history;
  for (int i = 0; i < 5; ++i) {
    TimingRecord dynamic = Compile(10);
    dynamic.variant = "dynamic";
    TimingRecord runtimes_cold = Compile(10);
    runtimes_cold.runtimes = "cold";
    TimingRecord other_service = Compile(10);
    other_service.service = "echo";
    history.push_back(RunOf(
        {Compile(10, "incremental"), dynamic, runtimes_cold, other_service}));
  }
  const auto trends = ComputeTrends(RunOf({Compile(1000)}), history);
  EXPECT_EQ(trends[0].baseline_runs, 0);
  EXPECT_FALSE(trends[0].regression);
}

TEST(RegressionTest, RunsWithoutTheStageAreSkippedNotCountedAsZero) {
  std::vector<TimingRun> history = HistoryOf({100, 100, 100});
  history.push_back(RunOf({}));
  const auto trends = ComputeTrends(RunOf({Compile(110)}), history);
  EXPECT_EQ(trends[0].baseline_runs, 3);
  EXPECT_DOUBLE_EQ(*trends[0].median_ms, 100);
}

TEST(RegressionTest, SizeRecordsHaveNoTrend) {
  TimingRecord size;
  size.service = "hello";
  size.variant = "static";
  size.stage = "image_size";
  size.bytes = 10;
  EXPECT_TRUE(ComputeTrends(RunOf({size}), {}).empty());
}

}  // namespace
}  // namespace staticship::timing
