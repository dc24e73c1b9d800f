// What one profiling signal costs the thread it interrupts, kernel delivery
// included, measured on that thread's own CPU clock so that the rest of a
// busy machine does not blur it (ci/bench-profiling runs this, -c opt):
//
//   profiler_overhead_bench [--rounds 7] [--work-ms 1000]
//
// Each round runs the same fixed work (a stack 24 calls deep, then a loop)
// without a profile, under one at 100 Hz and under one at 1000 Hz, in
// rotating order, and prints for each the least CPU time the work took
// (other processes only ever add to a thread's CPU time, through caches and
// clock speed, while a signal's cost is paid every time), the signals it
// received, the CPU added and the cost per signal.
#include <pthread.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "common/base/flags.h"
#include "common/diagnostics/cpu_profiler.h"
#include "common/testing/thread_cpu.h"

namespace staticship::diagnostics {
namespace {

using staticship::testing::ThreadCpuNs;

// A stack of a realistic depth for the unwinder to walk, then the loop.
[[gnu::noinline]] uint64_t Work(int depth, uint64_t iterations) {
  if (depth > 0) {
    uint64_t r = Work(depth - 1, iterations);
    asm volatile("" ::: "memory");  // no tail call: keep the frame
    return r + 1;
  }
  uint64_t x = 1;
  for (uint64_t i = 0; i < iterations; ++i) {
    x = x * 6364136223846793005u + 1442695040888963407u;
    asm volatile("" : "+r"(x));
  }
  return x;
}

struct Run {
  int64_t cpu_ns = 0;
  uint64_t signals = 0;
};

Run Measure(int hz, uint64_t iterations) {
  std::atomic<bool> cancel{false};
  Result<CpuProfile> profile = MakeError("no profile");
  std::thread profiler;
  if (hz > 0) {
    profiler = std::thread([&] {
      profile = CollectCpuProfile(
          {.duration = std::chrono::seconds(600), .hz = hz, .cancel = &cancel});
    });
    // Setup takes a few milliseconds; the work must start under the timers.
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  Run run;
  const int64_t start = ThreadCpuNs();
  uint64_t result = Work(24, iterations);
  asm volatile("" : : "r"(result));  // the work is not dead code
  run.cpu_ns = ThreadCpuNs() - start;
  if (hz > 0) {
    cancel.store(true);
    profiler.join();
    if (!profile.ok()) {
      std::fprintf(stderr, "profiler_overhead_bench: %s\n",
                   profile.message().c_str());
      std::exit(1);
    }
    run.signals = profile->signals;
  }
  return run;
}

template <typename T>
T Least(const std::vector<T>& v) {
  return *std::min_element(v.begin(), v.end());
}

template <typename T>
T Median(std::vector<T> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int Main(int argc, char** argv) {
  auto flags = Flags::Parse(ArgsFromArgv({argv + 1, argv + argc}),
                            {.values = {"rounds", "work-ms"}});
  if (!flags.ok()) {
    std::fprintf(stderr, "profiler_overhead_bench: %s\n",
                 flags.message().c_str());
    return 2;
  }
  auto rounds = flags->GetInt("rounds");
  auto work_ms = flags->GetInt("work-ms");
  if (!rounds.ok() || !work_ms.ok()) {
    std::fprintf(stderr,
                 "profiler_overhead_bench: --rounds and --work-ms "
                 "take integers\n");
    return 2;
  }
  const int n = static_cast<int>(rounds->value_or(7));
  const int64_t target_ns = work_ms->value_or(1000) * 1000000;
  ::pthread_setname_np(::pthread_self(), "bench-work");

  // Calibrate the iterations to the target CPU time.
  uint64_t iterations = 1 << 20;
  for (;;) {
    const int64_t start = ThreadCpuNs();
    Work(24, iterations);
    const int64_t took = ThreadCpuNs() - start;
    if (took > target_ns / 10) {
      iterations = static_cast<uint64_t>(static_cast<double>(iterations) *
                                         static_cast<double>(target_ns) /
                                         static_cast<double>(took));
      break;
    }
    iterations *= 4;
  }

  const int rates[] = {0, 100, 1000};
  std::vector<int64_t> cpu[3];
  std::vector<uint64_t> signals[3];
  for (int round = 0; round < n; ++round) {
    for (int k = 0; k < 3; ++k) {
      const int c = (round + k) % 3;
      Run r = Measure(rates[c], iterations);
      cpu[c].push_back(r.cpu_ns);
      signals[c].push_back(r.signals);
    }
  }
  const double off = static_cast<double>(Least(cpu[0]));
  std::printf(
      "| profiled work, %d rounds | least CPU ms | median CPU ms | signals "
      "(median) | CPU added (least) | cost per signal |\n"
      "|---|---|---|---|---|---|\n",
      n);
  for (int c = 0; c < 3; ++c) {
    const double least = static_cast<double>(Least(cpu[c]));
    const double median = static_cast<double>(Median(cpu[c]));
    const double sig = static_cast<double>(Median(signals[c]));
    if (c == 0) {
      std::printf("| no profile | %.1f | %.1f | - | - | - |\n", least / 1e6,
                  median / 1e6);
    } else {
      std::printf(
          "| profile at %d Hz | %.1f | %.1f | %.0f | %+.3f %% | "
          "%.2f µs |\n",
          rates[c], least / 1e6, median / 1e6, sig, (least - off) * 100 / off,
          (least - off) / sig / 1e3);
    }
  }
  return 0;
}

}  // namespace
}  // namespace staticship::diagnostics

int main(int argc, char** argv) {
  return staticship::diagnostics::Main(argc, argv);
}
