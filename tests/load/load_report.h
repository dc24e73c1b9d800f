// What a run found, for scripts (JSON, --report) and for people (the lines
// loadgen prints). Latencies are in milliseconds in both.
#ifndef STATICSHIP_TESTS_LOAD_LOAD_REPORT_H_
#define STATICSHIP_TESTS_LOAD_LOAD_REPORT_H_

#include <string>

#include "tests/load/load_options.h"
#include "tests/load/load_run.h"

namespace staticship::load {

std::string ReportJson(const LoadOptions& options, const LoadResult& result);
std::string ReportText(const LoadOptions& options, const LoadResult& result);

}  // namespace staticship::load

#endif  // STATICSHIP_TESTS_LOAD_LOAD_REPORT_H_
