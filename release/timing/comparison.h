// The static-against-dynamic comparison that report.md and report.svg both
// draw, built from the records of one run.
#ifndef STATICSHIP_RELEASE_TIMING_COMPARISON_H_
#define STATICSHIP_RELEASE_TIMING_COMPARISON_H_

#include <optional>
#include <string>
#include <vector>

#include "release/timing/record.h"

namespace staticship::timing {

// A figure from the write-up that motivates the project: a claim to test.
struct Claim {
  double dynamic_s = 0;
  double static_s = 0;
  double reduction_pct = 0;
};

struct ComparisonRow {
  std::string label;
  std::optional<double> dynamic_value;  // ms, or bytes / counts for sizes
  std::optional<double> static_value;
  std::optional<Claim> claim;
  bool is_size = false;  // bytes rather than milliseconds
  bool is_count = false;
};

struct ServiceComparison {
  std::string service;  // "all services" for the sum
  std::vector<ComparisonRow> durations;
  std::vector<ComparisonRow> sizes;
};

// Percent by which static is below dynamic; negative when static is slower
// or larger. Unset when either side is missing or dynamic is zero.
std::optional<double> ReductionPct(const ComparisonRow& row);

std::vector<std::string> ServicesIn(const std::vector<TimingRecord>& records);

ServiceComparison CompareService(const std::vector<TimingRecord>& records,
                                 const std::string& service);

// Sum over services of each row; a side is only summed when every service
// has it, so a missing measurement never reads as a speed-up.
ServiceComparison CompareTotal(const std::vector<ServiceComparison>& services);

// Sentences that explain the differences in `comparison`, from the records.
std::vector<std::string> Explain(const std::vector<TimingRecord>& records,
                                 const std::string& service);

std::string FormatMs(double ms);
std::string FormatBytes(double bytes);
std::string FormatValue(const ComparisonRow& row, std::optional<double> value);
std::string FormatPct(std::optional<double> pct);

}  // namespace staticship::timing

#endif  // STATICSHIP_RELEASE_TIMING_COMPARISON_H_
