#include "tests/load/load_report.h"

#include <cstdio>
#include <nlohmann/json.hpp>

namespace staticship::load {
namespace {

using nlohmann::json;

double Ms(uint64_t nanos) { return static_cast<double>(nanos) / 1e6; }

json Percentiles(const LatencyHistogram& h) {
  return {{"count", h.count()},
          {"min", Ms(h.min())},
          {"mean", h.mean() / 1e6},
          {"p50", Ms(h.ValueAtQuantile(0.50))},
          {"p90", Ms(h.ValueAtQuantile(0.90))},
          {"p99", Ms(h.ValueAtQuantile(0.99))},
          {"p99_9", Ms(h.ValueAtQuantile(0.999))},
          {"max", Ms(h.max())}};
}

std::string Url(const LoadOptions& o) {
  const std::string host =
      o.host.find(':') != std::string::npos ? "[" + o.host + "]" : o.host;
  return "http://" + host + ":" + std::to_string(o.port) + o.target;
}

}  // namespace

std::string ReportJson(const LoadOptions& options, const LoadResult& result) {
  const bool open = options.rate > 0;
  json report = {
      {"url", Url(options)},
      {"method", options.method},
      {"mode", open ? "open-loop" : "closed-loop"},
      {"latency_from", open ? "intended send time" : "send time"},
      {"target_rate", open ? json(options.rate) : json(nullptr)},
      {"achieved_rate", result.achieved_rate()},
      {"connections", options.connections},
      {"threads", options.threads},
      {"warmup_s", std::chrono::duration<double>(options.warmup).count()},
      {"duration_s", result.window_seconds},
      {"timeout_ms", options.timeout.count()},
      {"requests",
       {{"scheduled", open ? json(result.scheduled) : json(nullptr)},
        {"sent", result.sent},
        {"answered", result.answered},
        {"ok", result.ok},
        {"non_2xx", result.answered - result.ok},
        {"timeouts", result.timeouts},
        {"errors",
         {{"connect", result.errors.connect},
          {"read", result.errors.read},
          {"write", result.errors.write},
          {"parse", result.errors.parse},
          {"total", result.errors.total()}}},
        {"reconnects", result.reconnects},
        {"answered_total", result.answered_total}}},
      {"latency_ms", Percentiles(result.latency)},
      {"send_lag_ms", open ? Percentiles(result.send_lag) : json(nullptr)},
      {"generator_cpu_s", result.cpu_seconds},
  };
  return report.dump(2) + "\n";
}

std::string ReportText(const LoadOptions& options, const LoadResult& result) {
  const bool open = options.rate > 0;
  const LatencyHistogram& h = result.latency;
  char line[512];
  std::string text;
  if (open) {
    std::snprintf(line, sizeof(line),
                  "loadgen: %s, open loop at %.0f req/s over %d connections "
                  "(%d threads) for %.1f s: achieved %.0f req/s\n",
                  Url(options).c_str(), options.rate, options.connections,
                  options.threads, result.window_seconds,
                  result.achieved_rate());
  } else {
    std::snprintf(line, sizeof(line),
                  "loadgen: %s, closed loop over %d connections (%d threads) "
                  "for %.1f s: %.0f req/s\n",
                  Url(options).c_str(), options.connections, options.threads,
                  result.window_seconds, result.achieved_rate());
  }
  text += line;
  std::snprintf(line, sizeof(line),
                "  latency (from %s): p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, "
                "p99.9 %.3f ms, max %.3f ms\n",
                open ? "intended send time" : "send",
                Ms(h.ValueAtQuantile(0.5)), Ms(h.ValueAtQuantile(0.9)),
                Ms(h.ValueAtQuantile(0.99)), Ms(h.ValueAtQuantile(0.999)),
                Ms(h.max()));
  text += line;
  std::snprintf(line, sizeof(line),
                "  requests: %llu answered (%llu 2xx), %llu timeouts, %llu "
                "errors, %llu reconnects; generator CPU %.2f s\n",
                static_cast<unsigned long long>(result.answered),
                static_cast<unsigned long long>(result.ok),
                static_cast<unsigned long long>(result.timeouts),
                static_cast<unsigned long long>(result.errors.total()),
                static_cast<unsigned long long>(result.reconnects),
                result.cpu_seconds);
  text += line;
  return text;
}

}  // namespace staticship::load
