// The JSON of /debug/vars: the process's runtime statistics in one object.
//
//   {"service":"gateway","pid":7,"uptime_seconds":12.5,
//    "start_time_unix_seconds":1.7e9,"rss_bytes":...,
//    "virtual_memory_bytes":...,"cpu_seconds":{"user":..,"system":..},
//    "threads":5,"open_fds":12,"max_fds":1048576,
//    "heap":{"allocator":"mimalloc","committed_bytes":..,...},
//    "event_loop_lag":{"probe_interval_ms":100,"max_recent_ms":0.4,
//                      "loops":[{"loop":0,"last_ms":..,"recent_max_ms":..,
//                                "mean_ms":..,"samples":..}]},
//    "build":{"version":..,"commit":..,"compiler":..,"cxx_library":..,
//             "libc":..,"linkage":"static","architecture":..,
//             "build_id":..,"optimized":true},
//    "profiler":{...},"trace":{...}}
#ifndef STATICSHIP_COMMON_DIAGNOSTICS_RUNTIME_VARS_H_
#define STATICSHIP_COMMON_DIAGNOSTICS_RUNTIME_VARS_H_

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/diagnostics/build_info.h"
#include "common/http/event_loop.h"

namespace staticship::diagnostics {

struct VarsInput {
  BuildInfo build;
  std::vector<std::shared_ptr<const http::LoopLagStats>> loops;
  std::chrono::milliseconds lag_probe_interval{0};
  // Already JSON: the admin server's own state of its profiler and trace.
  std::string profiler_json = "{}";
  std::string trace_json = "{}";
};

std::string RuntimeVarsJson(const VarsInput& input);

}  // namespace staticship::diagnostics

#endif  // STATICSHIP_COMMON_DIAGNOSTICS_RUNTIME_VARS_H_
