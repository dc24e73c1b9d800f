// The process's threads as /proc/self/task lists them: id, name and
// scheduler state. The profiler arms a timer per thread from it, the
// thread dump signals each one, and traces label their rows with it.
#ifndef STATICSHIP_COMMON_DIAGNOSTICS_PROCESS_THREADS_H_
#define STATICSHIP_COMMON_DIAGNOSTICS_PROCESS_THREADS_H_

#include <map>
#include <string>
#include <vector>

#include "common/base/result.h"

namespace staticship::diagnostics {

struct ThreadInfo {
  int tid = 0;
  std::string name;  // comm, up to 15 bytes
  char state = '?';  // R running, S sleeping, D disk wait, ...
};

// By thread id. A thread that exits while it is read is left out.
Result<std::vector<ThreadInfo>> ListThreads();
std::map<int, std::string> ThreadNames();
int CurrentThreadId();

}  // namespace staticship::diagnostics

#endif  // STATICSHIP_COMMON_DIAGNOSTICS_PROCESS_THREADS_H_
