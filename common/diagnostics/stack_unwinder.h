// Frame-pointer unwinding from a signal's ucontext, async-signal-safe: the
// CPU profiler's and /debug/threads' signal handlers call it. Every build
// keeps frame pointers (.bazelrc, toolchains/runtime_flags.bzl), so each
// frame starts with {caller's frame pointer, return address}, on x86_64
// (rbp) and aarch64 (x29) alike.
//
// A frame pointer is followed only while it points into the readable,
// writable memory that holds the interrupted stack pointer, and only
// upwards: code built without frame pointers (the host glibc of the dynamic
// build) leaves arbitrary values in the register, and reading one must end
// the walk, not the process.
#ifndef STATICSHIP_COMMON_DIAGNOSTICS_STACK_UNWINDER_H_
#define STATICSHIP_COMMON_DIAGNOSTICS_STACK_UNWINDER_H_

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "common/diagnostics/memory_map.h"

namespace staticship::diagnostics {

// Deep enough for every stack of our services, small enough to copy per
// sample.
inline constexpr int kMaxFrames = 64;

// Sorted, merged [start, end) ranges of readable and writable memory,
// built outside signal handlers; Find() only reads.
class StackRanges {
 public:
  StackRanges() = default;
  explicit StackRanges(const std::vector<Mapping>& mappings);
  explicit StackRanges(std::vector<std::pair<uintptr_t, uintptr_t>> ranges);

  // The range holding `address`; async-signal-safe.
  bool Find(uintptr_t address, uintptr_t* start, uintptr_t* end) const;
  size_t size() const { return ranges_.size(); }

 private:
  std::vector<std::pair<uintptr_t, uintptr_t>> ranges_;
};

struct Registers {
  uintptr_t pc = 0;
  uintptr_t fp = 0;
  uintptr_t sp = 0;
};

// The interrupted registers of a SA_SIGINFO handler's third argument.
Registers RegistersFromContext(const void* ucontext);

// pcs[0] = regs.pc, then the return address of each frame; returns how
// many were written (1..max; 0 only when max is 0). Async-signal-safe.
int UnwindFrames(const Registers& regs, const StackRanges& ranges,
                 uintptr_t* pcs, int max);

}  // namespace staticship::diagnostics

#endif  // STATICSHIP_COMMON_DIAGNOSTICS_STACK_UNWINDER_H_
