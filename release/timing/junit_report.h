// out/junit.xml: one test case per service, variant and stage, so any CI
// system can chart the durations.
#ifndef STATICSHIP_RELEASE_TIMING_JUNIT_REPORT_H_
#define STATICSHIP_RELEASE_TIMING_JUNIT_REPORT_H_

#include <string>
#include <vector>

#include "release/timing/regression.h"
#include "release/timing/timing_run.h"

namespace staticship::timing {

// A regression becomes a <failure> only when regressions_fail; otherwise
// it is noted in <system-out> and the case passes.
std::string JunitReport(const TimingRun& run, const std::vector<Trend>& trends,
                        bool regressions_fail);

}  // namespace staticship::timing

#endif  // STATICSHIP_RELEASE_TIMING_JUNIT_REPORT_H_
