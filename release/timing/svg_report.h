// out/report.svg: the static-against-dynamic comparison as grouped bars,
// one panel per stage (stages differ by orders of magnitude, so they do not
// share an axis), one group per service.
#ifndef STATICSHIP_RELEASE_TIMING_SVG_REPORT_H_
#define STATICSHIP_RELEASE_TIMING_SVG_REPORT_H_

#include <string>

#include "release/timing/timing_run.h"

namespace staticship::timing {

std::string SvgReport(const TimingRun& run);

// Axis maximum and tick step: a 1, 2, 2.5 or 5 times a power of ten step
// giving at most five ticks above zero.
struct Axis {
  double max = 1;
  double step = 1;
};
Axis NiceAxis(double data_max);

}  // namespace staticship::timing

#endif  // STATICSHIP_RELEASE_TIMING_SVG_REPORT_H_
