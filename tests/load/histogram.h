// A log-linear latency histogram in the manner of HdrHistogram: each power
// of two is split into 128 equal buckets, so a bucket is at most 1/128 of
// its values wide and a percentile read back at its middle is within 0.4 %
// of the recorded value (HdrHistogram's "2 significant digits" is 1 %).
// Values below 256 are counted exactly. Recording is an index computation
// and an increment, with no allocation, so the load generator can record
// every response on its event loop; merging is a bucket-wise sum, so each
// thread keeps its own and they are added up at the end.
#ifndef STATICSHIP_TESTS_LOAD_HISTOGRAM_H_
#define STATICSHIP_TESTS_LOAD_HISTOGRAM_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace staticship::load {

class LatencyHistogram {
 public:
  // 2^7 linear buckets per power of two.
  static constexpr int kSubBucketBits = 7;
  // Values from 2^40 up (18 minutes in nanoseconds) share the last bucket;
  // max() still holds the largest value exactly.
  static constexpr int kMaxValueBits = 40;

  LatencyHistogram();

  void Record(uint64_t value);
  void Merge(const LatencyHistogram& other);

  uint64_t count() const { return count_; }
  // 0 when empty.
  uint64_t min() const { return count_ == 0 ? 0 : min_; }
  uint64_t max() const { return max_; }
  double mean() const;

  // The value at or below which a fraction `quantile` (0..1) of the
  // recorded values lie: the middle of the bucket holding the value of
  // rank ceil(quantile * count), kept within [min(), max()]. 0 when empty.
  uint64_t ValueAtQuantile(double quantile) const;

  // The bucket layout, exposed for tests.
  static size_t BucketIndex(uint64_t value);
  static uint64_t BucketLow(size_t index);
  static uint64_t BucketWidth(size_t index);
  static size_t BucketCount();

 private:
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
  // Nanosecond sums stay far below 2^64 for any run this tool makes.
  uint64_t sum_ = 0;
};

}  // namespace staticship::load

#endif  // STATICSHIP_TESTS_LOAD_HISTOGRAM_H_
