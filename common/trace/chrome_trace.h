// Writes a Trace as Chrome trace JSON (the "JSON Object Format" that
// chrome://tracing, Perfetto's UI and speedscope open):
//
//   {"displayTimeUnit":"ms",
//    "otherData":{"recorded_events":2,"dropped_events":0,...},
//    "traceEvents":[
//      {"name":"thread_name","ph":"M","pid":7,"tid":9,"args":{"name":"http-0"}},
//      {"name":"route","cat":"gateway","ph":"X","ts":12.5,"dur":3.25,
//       "pid":7,"tid":9,"args":{"route":"api","status":200}}, ...]}
//
// ts and dur are microseconds, ts counted from the trace's start.
#ifndef STATICSHIP_COMMON_TRACE_CHROME_TRACE_H_
#define STATICSHIP_COMMON_TRACE_CHROME_TRACE_H_

#include <map>
#include <string>
#include <string_view>

#include "common/trace/trace_recorder.h"

namespace staticship::trace {

std::string ChromeTraceJson(const Trace& trace, int pid,
                            const std::map<int, std::string>& thread_names);

// `text` as a JSON string literal, quotes included. Bytes outside printable
// ASCII are escaped as \u00XX, so any input gives valid JSON.
void AppendJsonString(std::string_view text, std::string* out);

}  // namespace staticship::trace

#endif  // STATICSHIP_COMMON_TRACE_CHROME_TRACE_H_
