// The standard Prometheus process_* metrics (the names and meanings of the
// official clients), read from /proc/self at scrape time:
//
//   body = registry.Render() + metrics::RenderProcessMetrics(
//                                  metrics::ReadProcessStats());
//
// Each value comes from its own source; one that cannot be read (no /proc,
// say) is left out rather than reported as 0.
#ifndef STATICSHIP_COMMON_METRICS_PROCESS_METRICS_H_
#define STATICSHIP_COMMON_METRICS_PROCESS_METRICS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace staticship::metrics {

struct ProcessStats {
  std::optional<double> cpu_user_seconds;    // getrusage
  std::optional<double> cpu_system_seconds;  // getrusage
  std::optional<uint64_t> resident_bytes;    // /proc/self/statm resident
  std::optional<uint64_t> virtual_bytes;     // /proc/self/statm size
  std::optional<uint64_t> open_fds;          // entries of /proc/self/fd
  std::optional<uint64_t> max_fds;           // RLIMIT_NOFILE soft limit
  std::optional<double> start_time_seconds;  // Unix time: starttime + btime
  std::optional<uint64_t> threads;           // /proc/self/status Threads
};

ProcessStats ReadProcessStats();

// process_cpu_seconds_total, process_resident_memory_bytes,
// process_virtual_memory_bytes, process_open_fds, process_max_fds,
// process_start_time_seconds and process_threads with HELP and TYPE.
std::string RenderProcessMetrics(const ProcessStats& stats);

// The fields of a /proc/<pid>/stat line after the command name, which may
// hold spaces and parentheses: element 0 is field 3 (state). Empty when
// the line has no ')'.
std::vector<std::string_view> ProcStatFields(std::string_view line);

}  // namespace staticship::metrics

#endif  // STATICSHIP_COMMON_METRICS_PROCESS_METRICS_H_
