#include "common/diagnostics/runtime_vars.h"

#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/diagnostics/heap_stats.h"
#include "common/metrics/process_metrics.h"

namespace staticship::diagnostics {
namespace {

double Millis(int64_t us) { return static_cast<double>(us) / 1000.0; }

}  // namespace

std::string RuntimeVarsJson(const VarsInput& input) {
  using nlohmann::json;
  const metrics::ProcessStats p = metrics::ReadProcessStats();
  json vars;
  vars["service"] = input.build.service;
  vars["pid"] = ::getpid();
  const double now = std::chrono::duration<double>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  // Every figure is present; one that could not be read is null.
  auto value = [](const auto& optional) -> json {
    return optional ? json(*optional) : json(nullptr);
  };
  vars["start_time_unix_seconds"] = value(p.start_time_seconds);
  vars["uptime_seconds"] =
      p.start_time_seconds ? json(std::max(0.0, now - *p.start_time_seconds))
                           : json(nullptr);
  vars["rss_bytes"] = value(p.resident_bytes);
  vars["virtual_memory_bytes"] = value(p.virtual_bytes);
  vars["cpu_seconds"] = {{"user", value(p.cpu_user_seconds)},
                         {"system", value(p.cpu_system_seconds)}};
  vars["threads"] = value(p.threads);
  vars["open_fds"] = value(p.open_fds);
  vars["max_fds"] = value(p.max_fds);

  const HeapStats heap = ReadHeapStats();
  json heap_json = {{"allocator", heap.allocator}};
  for (const auto& [name, figure] : heap.values) heap_json[name] = figure;
  vars["heap"] = std::move(heap_json);

  json loops = json::array();
  int64_t max_recent_us = 0;
  for (size_t i = 0; i < input.loops.size(); ++i) {
    const http::LoopLagStats& lag = *input.loops[i];
    const uint64_t samples = lag.samples.load(std::memory_order_relaxed);
    const int64_t total = lag.total_us.load(std::memory_order_relaxed);
    const int64_t recent = lag.recent_max_us.load(std::memory_order_relaxed);
    max_recent_us = std::max(max_recent_us, recent);
    loops.push_back(
        {{"loop", i},
         {"last_ms", Millis(lag.last_us.load(std::memory_order_relaxed))},
         {"recent_max_ms", Millis(recent)},
         {"mean_ms",
          samples > 0 ? Millis(total) / static_cast<double>(samples) : 0.0},
         {"samples", samples}});
  }
  vars["event_loop_lag"] = {
      {"probe_interval_ms", input.lag_probe_interval.count()},
      {"max_recent_ms", Millis(max_recent_us)},
      {"loops", std::move(loops)}};

  const BuildInfo& b = input.build;
  vars["build"] = {
      {"service", b.service},         {"version", b.version},
      {"commit", b.commit},           {"compiler", b.compiler},
      {"cxx_library", b.cxx_library}, {"libc", b.libc},
      {"linkage", b.linkage},         {"architecture", b.architecture},
      {"build_id", b.build_id},       {"optimized", b.optimized}};
  vars["profiler"] = json::parse(input.profiler_json, nullptr, false);
  vars["trace"] = json::parse(input.trace_json, nullptr, false);
  // Thread names and paths are bytes, not always UTF-8.
  return vars.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace staticship::diagnostics
