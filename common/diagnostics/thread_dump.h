// Every thread's stack now, the gops/jstack idea for a native process: a
// real-time signal is sent to each thread with tgkill, and its handler
// unwinds the interrupted stack by frame pointers into a preallocated slot
// (async-signal-safe; nothing is allocated or locked). A thread that does
// not answer within the timeout (it blocks the signal, or is stopped) is
// listed without a stack.
//
// The signal interrupts blocking system calls that are not restarted
// (epoll_wait, poll, sigtimedwait return EINTR); our loops retry those.
//
// Frame-pointer unwinding needs frame pointers in every function on the
// stack. Our code, third-party code and the static build's musl and libc++
// have them; the dynamic build's glibc does not (Debian builds it without),
// so a thread stopped inside glibc (a futex wait, a system call) shows the
// glibc frame and then its caller's caller, or nothing more.
//
//   auto stacks = DumpThreadStacks(std::chrono::milliseconds(500));
//   std::string text = FormatThreadDump(*stacks, Symbolizer::ForThisProcess());
#ifndef STATICSHIP_COMMON_DIAGNOSTICS_THREAD_DUMP_H_
#define STATICSHIP_COMMON_DIAGNOSTICS_THREAD_DUMP_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/diagnostics/process_threads.h"
#include "common/diagnostics/symbolizer.h"

namespace staticship::diagnostics {

struct ThreadStack {
  ThreadInfo thread;
  bool answered = false;
  std::vector<uintptr_t> pcs;  // leaf first, then return addresses
};

// The signal the dump uses (a real-time one, which nothing else here
// sends).
int ThreadDumpSignal();

// kFailedPrecondition while another dump runs in the process.
Result<std::vector<ThreadStack>> DumpThreadStacks(
    std::chrono::milliseconds timeout);

// The text /debug/threads serves:
//
//   # 3 threads of pid 10 (gateway); <how frames are named>
//
//   thread 10 "gateway" state S
//     #0  0x000000000021a4c3 epoll_wait+0x33 (/usr/local/bin/gateway+0x1a4c3)
//   ...
std::string FormatThreadDump(const std::vector<ThreadStack>& stacks,
                             const Symbolizer& symbolizer);

}  // namespace staticship::diagnostics

#endif  // STATICSHIP_COMMON_DIAGNOSTICS_THREAD_DUMP_H_
