#include "common/diagnostics/process_threads.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>

#include "common/base/file.h"
#include "common/metrics/process_metrics.h"

namespace staticship::diagnostics {

Result<std::vector<ThreadInfo>> ListThreads() {
  Result<std::vector<std::string>> entries = ListDirectory("/proc/self/task");
  if (!entries.ok()) return entries.error();
  std::vector<ThreadInfo> threads;
  for (const std::string& entry : *entries) {
    ThreadInfo t;
    auto [end, ec] =
        std::from_chars(entry.data(), entry.data() + entry.size(), t.tid);
    if (ec != std::errc() || end != entry.data() + entry.size()) continue;
    const std::string dir = "/proc/self/task/" + entry;
    Result<std::string> stat = ReadWholeFile(dir + "/stat");
    if (!stat.ok()) continue;  // exited meanwhile
    std::vector<std::string_view> fields = metrics::ProcStatFields(*stat);
    if (!fields.empty() && !fields[0].empty()) t.state = fields[0][0];
    // The name is the part of stat between the first '(' and the last ')'.
    const size_t open = stat->find('(');
    const size_t close = stat->rfind(')');
    if (open != std::string::npos && close != std::string::npos &&
        close > open) {
      t.name = stat->substr(open + 1, close - open - 1);
    }
    threads.push_back(std::move(t));
  }
  std::sort(
      threads.begin(), threads.end(),
      [](const ThreadInfo& a, const ThreadInfo& b) { return a.tid < b.tid; });
  return threads;
}

std::map<int, std::string> ThreadNames() {
  std::map<int, std::string> names;
  if (auto threads = ListThreads(); threads.ok()) {
    for (ThreadInfo& t : *threads) names.emplace(t.tid, std::move(t.name));
  }
  return names;
}

int CurrentThreadId() { return static_cast<int>(::syscall(SYS_gettid)); }

}  // namespace staticship::diagnostics
