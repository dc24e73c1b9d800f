#include "tests/load/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace staticship::load {
namespace {

TEST(LatencyHistogramTest, EmptyReadsZero) {
  LatencyHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.mean(), 0.0);
  EXPECT_EQ(h.ValueAtQuantile(0.99), 0u);
}

TEST(LatencyHistogramTest, BucketsTileTheRangeWithoutGapsOrOverlap) {
  for (size_t i = 0; i + 1 < LatencyHistogram::BucketCount(); ++i) {
    const uint64_t low = LatencyHistogram::BucketLow(i);
    const uint64_t width = LatencyHistogram::BucketWidth(i);
    ASSERT_EQ(LatencyHistogram::BucketLow(i + 1), low + width)
        << "bucket " << i;
    ASSERT_EQ(LatencyHistogram::BucketIndex(low), i);
    ASSERT_EQ(LatencyHistogram::BucketIndex(low + width - 1), i);
    // The precision promise: no bucket wider than 1/128 of its values.
    if (width > 1) {
      ASSERT_LE(width * 128, low) << "bucket " << i;
    }
  }
}

TEST(LatencyHistogramTest, SmallValuesAreExact) {
  LatencyHistogram h;
  for (uint64_t v = 0; v < 256; ++v) h.Record(v);
  for (uint64_t v = 1; v <= 256; ++v) {
    // Rank v of 256 is the value v - 1.
    EXPECT_EQ(h.ValueAtQuantile(static_cast<double>(v) / 256.0), v - 1);
  }
}

// Values spread over nine orders of magnitude, as latencies from
// microseconds to seconds are: every percentile within 1 % of the exact one.
TEST(LatencyHistogramTest, PercentilesWithinOnePercentOfExact) {
  std::mt19937_64 random(42);
  std::uniform_real_distribution<double> exponent(0.0, 9.0);
  LatencyHistogram h;
  std::vector<uint64_t> values;
  for (int i = 0; i < 200000; ++i) {
    const auto v = static_cast<uint64_t>(std::pow(10.0, exponent(random)));
    values.push_back(v);
    h.Record(v);
  }
  std::sort(values.begin(), values.end());
  for (int per_mille : {1, 100, 500, 900, 990, 999, 1000}) {
    // 200000 * per_mille / 1000 is a whole rank, so the exact value is
    // unambiguous.
    const size_t rank = values.size() * static_cast<size_t>(per_mille) / 1000;
    const double exact = static_cast<double>(values[rank - 1]);
    const double got =
        static_cast<double>(h.ValueAtQuantile(per_mille / 1000.0));
    EXPECT_LE(std::abs(got - exact), exact * 0.01)
        << per_mille << "/1000: " << got << " vs " << exact;
  }
  EXPECT_EQ(h.max(), values.back());
  EXPECT_EQ(h.min(), values.front());
  EXPECT_EQ(h.ValueAtQuantile(1.0), values.back());
}

TEST(LatencyHistogramTest, OneSlowRequestIsTheMaxAndAboveP999) {
  LatencyHistogram h;
  for (int i = 0; i < 999; ++i) h.Record(100000);  // 0.1 ms
  h.Record(2000000000);                            // 2 s
  EXPECT_NEAR(static_cast<double>(h.ValueAtQuantile(0.999)), 100000, 1000);
  EXPECT_EQ(h.ValueAtQuantile(1.0), 2000000000u);
  EXPECT_EQ(h.max(), 2000000000u);
  EXPECT_NEAR(h.mean(), (999 * 100000.0 + 2e9) / 1000, 1);
}

TEST(LatencyHistogramTest, MergeEqualsRecordingEverythingInOne) {
  LatencyHistogram a, b, all;
  for (uint64_t v = 1; v < 5000000; v += 997) {
    (v % 3 == 0 ? a : b).Record(v);
    all.Record(v);
  }
  a.Merge(b);
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.min(), all.min());
  EXPECT_EQ(a.max(), all.max());
  EXPECT_EQ(a.mean(), all.mean());
  for (double q : {0.1, 0.5, 0.9, 0.99, 0.999}) {
    EXPECT_EQ(a.ValueAtQuantile(q), all.ValueAtQuantile(q)) << q;
  }
}

TEST(LatencyHistogramTest, HugeValuesShareTheLastBucketButMaxStaysExact) {
  LatencyHistogram h;
  h.Record(UINT64_MAX / 2);
  EXPECT_EQ(LatencyHistogram::BucketIndex(UINT64_MAX),
            LatencyHistogram::BucketCount() - 1);
  EXPECT_EQ(h.max(), UINT64_MAX / 2);
  EXPECT_EQ(h.ValueAtQuantile(0.5), UINT64_MAX / 2);  // clamped to [min, max]
}

}  // namespace
}  // namespace staticship::load
