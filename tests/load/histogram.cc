#include "tests/load/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace staticship::load {
namespace {

constexpr uint64_t kLargest =
    (uint64_t{1} << LatencyHistogram::kMaxValueBits) - 1;

}  // namespace

LatencyHistogram::LatencyHistogram() : counts_(BucketCount(), 0) {}

// A value whose highest set bit is m >= kSubBucketBits is shifted right by
// m - kSubBucketBits, leaving a sub-bucket in [2^S, 2^(S+1)); each shift
// gets the next 2^S indexes. Below 2^(S+1) the shift is 0 and the index is
// the value itself, so the layout is contiguous from 0.
size_t LatencyHistogram::BucketIndex(uint64_t value) {
  value = std::min(value, kLargest);
  const int top_bit = static_cast<int>(std::bit_width(value)) - 1;
  const int shift = std::max(0, top_bit - kSubBucketBits);
  return (static_cast<size_t>(shift) << kSubBucketBits) +
         static_cast<size_t>(value >> shift);
}

uint64_t LatencyHistogram::BucketLow(size_t index) {
  if (index < (size_t{2} << kSubBucketBits)) return index;
  const size_t shift = (index >> kSubBucketBits) - 1;
  const uint64_t sub = index - (shift << kSubBucketBits);
  return sub << shift;
}

uint64_t LatencyHistogram::BucketWidth(size_t index) {
  if (index < (size_t{2} << kSubBucketBits)) return 1;
  return uint64_t{1} << ((index >> kSubBucketBits) - 1);
}

size_t LatencyHistogram::BucketCount() { return BucketIndex(kLargest) + 1; }

void LatencyHistogram::Record(uint64_t value) {
  ++counts_[BucketIndex(value)];
  ++count_;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
  sum_ += value;
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
}

double LatencyHistogram::mean() const {
  return count_ == 0 ? 0.0
                     : static_cast<double>(sum_) / static_cast<double>(count_);
}

uint64_t LatencyHistogram::ValueAtQuantile(double quantile) const {
  if (count_ == 0) return 0;
  quantile = std::clamp(quantile, 0.0, 1.0);
  // The factor keeps 0.999 * 1000 (999.0000000000001 in binary) at 999.
  const auto rank = std::max<uint64_t>(
      1, static_cast<uint64_t>(
             std::ceil(quantile * static_cast<double>(count_) * (1 - 1e-12))));
  uint64_t seen = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      const uint64_t middle = BucketLow(i) + (BucketWidth(i) - 1) / 2;
      return std::clamp(middle, min(), max_);
    }
  }
  return max_;
}

}  // namespace staticship::load
