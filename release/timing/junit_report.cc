#include "release/timing/junit_report.h"

#include <cstdio>
#include <sstream>

#include "release/timing/comparison.h"
#include "release/timing/xml_escape.h"

namespace staticship::timing {
namespace {

std::string Seconds(double ms) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f", ms / 1000);
  return text;
}

std::string CaseName(const TimingRecord& r) {
  std::string name = r.stage + " (" + r.kind;
  if (r.runtimes) name += ", runtimes " + *r.runtimes;
  return name + ")";
}

}  // namespace

std::string JunitReport(const TimingRun& run, const std::vector<Trend>& trends,
                        bool regressions_fail) {
  double total_ms = 0;
  int failures = 0;
  for (const Trend& t : trends) {
    total_ms += *t.current.duration_ms;
    failures += (t.regression && regressions_fail) ? 1 : 0;
  }
  std::ostringstream out;
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<testsuites name=\"staticship timings\" tests=\"" << trends.size()
      << "\" failures=\"" << failures << "\" time=\"" << Seconds(total_ms)
      << "\">\n"
      << "  <testsuite name=\"staticship.timings\" tests=\"" << trends.size()
      << "\" failures=\"" << failures << "\" errors=\"0\" skipped=\"0\" time=\""
      << Seconds(total_ms) << "\" timestamp=\"" << XmlEscape(run.date)
      << "\" hostname=\"" << run.host_cpus << "-cpu\">\n"
      << "    <properties>\n"
      << "      <property name=\"run_id\" value=\"" << XmlEscape(run.run_id)
      << "\"/>\n"
      << "      <property name=\"git_commit\" value=\""
      << XmlEscape(run.git_commit) << "\"/>\n";
  for (const TimingRecord& r : run.records) {
    if (!r.bytes) continue;
    out << "      <property name=\""
        << XmlEscape(r.service + "." + r.variant + "." + r.stage)
        << "\" value=\"" << *r.bytes << "\"/>\n";
  }
  out << "    </properties>\n";
  for (const Trend& t : trends) {
    const TimingRecord& r = t.current;
    out << "    <testcase classname=\""
        << XmlEscape("staticship." + r.service + "." + r.variant)
        << "\" name=\"" << XmlEscape(CaseName(r)) << "\" time=\""
        << Seconds(*r.duration_ms) << "\"";
    if (!t.regression) {
      out << "/>\n";
      continue;
    }
    char change[32];
    std::snprintf(change, sizeof change, "%+.1f%%", t.change_pct.value_or(0));
    const std::string message =
        r.stage + " took " + FormatMs(*r.duration_ms) + ", " +
        (t.change_pct ? std::string(change) : std::string("up")) +
        " against the median " + FormatMs(*t.median_ms) + " of the last " +
        std::to_string(t.baseline_runs) + " comparable runs";
    out << ">\n";
    if (regressions_fail) {
      out << "      <failure type=\"regression\" message=\""
          << XmlEscape(message) << "\"/>\n";
    } else {
      out << "      <system-out>regression (not failing): "
          << XmlEscape(message) << "</system-out>\n";
    }
    out << "    </testcase>\n";
  }
  out << "  </testsuite>\n</testsuites>\n";
  return out.str();
}

}  // namespace staticship::timing
