// out/report.md: the static-against-dynamic tables, the sentences that
// explain them, and the trend against earlier runs.
#ifndef STATICSHIP_RELEASE_TIMING_MARKDOWN_REPORT_H_
#define STATICSHIP_RELEASE_TIMING_MARKDOWN_REPORT_H_

#include <string>
#include <vector>

#include "release/timing/regression.h"
#include "release/timing/timing_run.h"

namespace staticship::timing {

// The comparison tables alone, per service and summed; also printed to
// stdout by `shiptime report`.
std::string ComparisonMarkdown(const TimingRun& run);

std::string MarkdownReport(const TimingRun& run,
                           const std::vector<Trend>& trends,
                           const RegressionPolicy& policy);

}  // namespace staticship::timing

#endif  // STATICSHIP_RELEASE_TIMING_MARKDOWN_REPORT_H_
