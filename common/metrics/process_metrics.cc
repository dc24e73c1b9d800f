#include "common/metrics/process_metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <vector>

#include "common/base/file.h"
#include "common/metrics/metrics.h"

namespace staticship::metrics {
namespace {

std::optional<uint64_t> ParseUnsigned(std::string_view text) {
  uint64_t value = 0;
  auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

// /proc/stat's "btime N": the boot time, in Unix seconds.
std::optional<uint64_t> BootTime() {
  Result<std::string> stat = ReadWholeFile("/proc/stat");
  if (!stat.ok()) return std::nullopt;
  std::string_view text = *stat;
  size_t at = text.find("\nbtime ");
  if (at == std::string_view::npos) return std::nullopt;
  text.remove_prefix(at + 7);
  return ParseUnsigned(text.substr(0, text.find('\n')));
}

void Append(std::string* out, const char* name, const char* help,
            const char* type, double value) {
  out->append("# HELP ");
  out->append(name);
  out->push_back(' ');
  out->append(help);
  out->append("\n# TYPE ");
  out->append(name);
  out->push_back(' ');
  out->append(type);
  out->push_back('\n');
  out->append(name);
  out->push_back(' ');
  out->append(FormatValue(value));
  out->push_back('\n');
}

}  // namespace

std::vector<std::string_view> ProcStatFields(std::string_view line) {
  std::vector<std::string_view> fields;
  const size_t close = line.rfind(')');
  if (close == std::string_view::npos) return fields;
  line.remove_prefix(close + 1);
  while (!line.empty()) {
    const size_t start = line.find_first_not_of(" \n");
    if (start == std::string_view::npos) break;
    line.remove_prefix(start);
    const size_t end = line.find_first_of(" \n");
    fields.push_back(line.substr(0, end));
    if (end == std::string_view::npos) break;
    line.remove_prefix(end);
  }
  return fields;
}

ProcessStats ReadProcessStats() {
  ProcessStats stats;
  rusage usage{};
  if (::getrusage(RUSAGE_SELF, &usage) == 0) {
    stats.cpu_user_seconds = static_cast<double>(usage.ru_utime.tv_sec) +
                             static_cast<double>(usage.ru_utime.tv_usec) / 1e6;
    stats.cpu_system_seconds =
        static_cast<double>(usage.ru_stime.tv_sec) +
        static_cast<double>(usage.ru_stime.tv_usec) / 1e6;
  }
  if (Result<std::string> stat = ReadWholeFile("/proc/self/stat"); stat.ok()) {
    // Field numbers of proc(5), 1-based; fields[0] is field 3.
    std::vector<std::string_view> fields = ProcStatFields(*stat);
    auto field = [&fields](size_t number) -> std::optional<uint64_t> {
      if (number < 3 || number - 3 >= fields.size()) return std::nullopt;
      return ParseUnsigned(fields[number - 3]);
    };
    const long ticks = ::sysconf(_SC_CLK_TCK);
    auto boot = BootTime();
    if (auto start = field(22); start && boot && ticks > 0) {
      stats.start_time_seconds =
          static_cast<double>(*boot) +
          static_cast<double>(*start) / static_cast<double>(ticks);
    }
  }
  // Sizes from statm and the thread count from status rather than from
  // stat: the same kernel figures, and qemu-user (the aarch64 tests) passes
  // these two files through while it fakes stat's with zeros.
  if (Result<std::string> statm = ReadWholeFile("/proc/self/statm");
      statm.ok()) {
    std::string_view text = *statm;
    const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
    const size_t space = text.find(' ');
    if (space != std::string_view::npos) {
      std::string_view rest = text.substr(space + 1);
      auto size = ParseUnsigned(text.substr(0, space));
      auto resident = ParseUnsigned(rest.substr(0, rest.find(' ')));
      if (size) stats.virtual_bytes = *size * page;
      if (resident) stats.resident_bytes = *resident * page;
    }
  }
  if (Result<std::string> status = ReadWholeFile("/proc/self/status");
      status.ok()) {
    std::string_view text = *status;
    const size_t at = text.find("\nThreads:");
    if (at != std::string_view::npos) {
      text.remove_prefix(at + 9);
      text = text.substr(0, text.find('\n'));
      text.remove_prefix(std::min(text.find_first_not_of(" \t"), text.size()));
      stats.threads = ParseUnsigned(text);
    }
  }
  if (auto fds = ListDirectory("/proc/self/fd"); fds.ok()) {
    // Less the descriptor the listing itself held open.
    stats.open_fds = fds->empty() ? 0 : fds->size() - 1;
  }
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    stats.max_fds = limit.rlim_cur;
  }
  return stats;
}

std::string RenderProcessMetrics(const ProcessStats& stats) {
  std::string out;
  if (stats.cpu_user_seconds && stats.cpu_system_seconds) {
    Append(&out, "process_cpu_seconds_total",
           "Total user and system CPU time spent in seconds.", "counter",
           *stats.cpu_user_seconds + *stats.cpu_system_seconds);
  }
  if (stats.open_fds) {
    Append(&out, "process_open_fds", "Number of open file descriptors.",
           "gauge", static_cast<double>(*stats.open_fds));
  }
  if (stats.max_fds) {
    Append(&out, "process_max_fds", "Maximum number of open file descriptors.",
           "gauge", static_cast<double>(*stats.max_fds));
  }
  if (stats.virtual_bytes) {
    Append(&out, "process_virtual_memory_bytes",
           "Virtual memory size in bytes.", "gauge",
           static_cast<double>(*stats.virtual_bytes));
  }
  if (stats.resident_bytes) {
    Append(&out, "process_resident_memory_bytes",
           "Resident memory size in bytes.", "gauge",
           static_cast<double>(*stats.resident_bytes));
  }
  if (stats.start_time_seconds) {
    Append(&out, "process_start_time_seconds",
           "Start time of the process since unix epoch in seconds.", "gauge",
           *stats.start_time_seconds);
  }
  if (stats.threads) {
    Append(&out, "process_threads", "Number of OS threads in the process.",
           "gauge", static_cast<double>(*stats.threads));
  }
  return out;
}

}  // namespace staticship::metrics
