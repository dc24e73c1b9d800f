// The calling thread's own CPU time, for benchmarks that time one thread's
// work: other processes and threads on the machine only add wall time.
#ifndef STATICSHIP_COMMON_TESTING_THREAD_CPU_H_
#define STATICSHIP_COMMON_TESTING_THREAD_CPU_H_

#include <time.h>

#include <cstdint>

namespace staticship::testing {

// Nanoseconds of CPU this thread has used (CLOCK_THREAD_CPUTIME_ID).
inline std::int64_t ThreadCpuNs() {
  timespec ts;
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

}  // namespace staticship::testing

#endif  // STATICSHIP_COMMON_TESTING_THREAD_CPU_H_
