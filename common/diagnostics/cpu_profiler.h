// A sampling CPU profiler for the whole process, one profile at a time.
//
// Each thread gets a POSIX timer on its own CPU-time clock (the kernel's
// per-thread CLOCK_THREAD_CPUTIME_ID clock of that tid) that sends SIGPROF
// to that very thread (SIGEV_THREAD_ID) every 1/hz seconds of CPU it uses:
// idle threads cost nothing, and samples are spread fairly between busy
// threads, unlike setitimer(ITIMER_PROF), whose signal lands on whichever
// thread the kernel picks. The handler unwinds the interrupted stack by
// frame pointers into a preallocated lock-free ring; a collector thread
// (the caller's) drains it every 100 ms, arms timers for threads started
// meanwhile, and finally aggregates identical stacks.
//
//   Result<CpuProfile> p = CollectCpuProfile({.duration = 10s, .hz = 100});
//   std::string gz = EncodePprof(*p);  // pprof_encoder.h
//
// A second profile while one runs, from any thread of the process, is
// refused with kFailedPrecondition. SIGPROF's handler stays installed
// after the first profile, so that a signal still in flight at the end
// finds a handler that ignores it rather than the default action (exit).
#ifndef STATICSHIP_COMMON_DIAGNOSTICS_CPU_PROFILER_H_
#define STATICSHIP_COMMON_DIAGNOSTICS_CPU_PROFILER_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/diagnostics/memory_map.h"

namespace staticship::diagnostics {

struct ProfileOptions {
  std::chrono::milliseconds duration{30000};
  int hz = 100;
  // Set from another thread to end the profile early (server shutdown).
  const std::atomic<bool>* cancel = nullptr;
};

inline constexpr int kMinProfileHz = 1;
inline constexpr int kMaxProfileHz = 1000;

struct CpuProfile {
  struct Stack {
    std::vector<uintptr_t> pcs;  // leaf first: the interrupted pc, then
                                 // return addresses
    std::string thread;          // the thread's name (comm) at arm time
    int64_t count = 0;
  };
  int hz = 0;
  int64_t start_unix_ns = 0;
  int64_t duration_ns = 0;
  std::vector<Stack> stacks;
  // Periods of CPU sampled (the stacks' counts add up to it), and the
  // signals that brought them: the kernel checks CPU timers once per tick
  // (CONFIG_HZ, often 250), so above that rate one signal carries several
  // periods (the timer's overrun) and samples > signals.
  uint64_t samples = 0;
  uint64_t signals = 0;
  uint64_t dropped = 0;  // signals lost: the ring was full
  int threads = 0;       // threads that had a timer
  // What the profile cost, for the report and the write-up's figures:
  // wall time to arm every timer, wall time to stop them and aggregate,
  // the CPU time all signal handlers took and the collector's.
  int64_t setup_ns = 0;
  int64_t teardown_ns = 0;
  int64_t handler_ns = 0;
  // CPU time of the collecting thread (arming, draining, aggregating).
  int64_t collector_cpu_ns = 0;
  std::vector<Mapping> mappings;  // executable ones, at the end
  std::vector<LoadedObject> objects;
};

// Blocks for options.duration (or until *options.cancel).
Result<CpuProfile> CollectCpuProfile(const ProfileOptions& options);

}  // namespace staticship::diagnostics

#endif  // STATICSHIP_COMMON_DIAGNOSTICS_CPU_PROFILER_H_
