// The static-against-dynamic comparison that report.md and report.svg both
// draw, built from the records of one run. "dynamic" is the gcc baseline;
// a run may also hold the dynamic-clang variant (the static build's clang
// and libc++, linked dynamically against glibc), which splits the
// difference into a compiler effect and a static-linking effect.
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
  std::optional<double> dynamic_clang_value;  // unset without such records
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

// What the compiler changes, link mode and C library held equal:
// dynamic-clang ÷ dynamic (gcc). Below 1, clang is faster or smaller.
// Unset when either side is missing or the divisor is zero.
std::optional<double> CompilerEffect(const ComparisonRow& row);

// What static linking changes (musl, everything linked in), the compiler
// held equal: static ÷ dynamic-clang. Below 1, static is faster or smaller.
// The two effects multiply to static ÷ dynamic.
std::optional<double> StaticLinkingEffect(const ComparisonRow& row);

// True when some row has a dynamic-clang value.
bool HasDynamicClang(const ServiceComparison& comparison);

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
std::string FormatRatio(std::optional<double> ratio);  // "0.85×" or "n/a"

}  // namespace staticship::timing

#endif  // STATICSHIP_RELEASE_TIMING_COMPARISON_H_
