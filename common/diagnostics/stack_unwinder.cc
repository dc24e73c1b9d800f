#include "common/diagnostics/stack_unwinder.h"

#include <ucontext.h>

#include <algorithm>

namespace staticship::diagnostics {

StackRanges::StackRanges(const std::vector<Mapping>& mappings) {
  std::vector<std::pair<uintptr_t, uintptr_t>> ranges;
  for (const Mapping& m : mappings) {
    if (m.readable && m.writable && m.end > m.start) {
      ranges.emplace_back(static_cast<uintptr_t>(m.start),
                          static_cast<uintptr_t>(m.end));
    }
  }
  *this = StackRanges(std::move(ranges));
}

StackRanges::StackRanges(std::vector<std::pair<uintptr_t, uintptr_t>> ranges) {
  std::sort(ranges.begin(), ranges.end());
  for (const auto& r : ranges) {
    // Neighbours merge: a frame may sit in either, and both are readable.
    if (!ranges_.empty() && r.first <= ranges_.back().second) {
      ranges_.back().second = std::max(ranges_.back().second, r.second);
    } else {
      ranges_.push_back(r);
    }
  }
}

bool StackRanges::Find(uintptr_t address, uintptr_t* start,
                       uintptr_t* end) const {
  // A hand-written binary search: nothing here may allocate or lock.
  size_t lo = 0;
  size_t hi = ranges_.size();
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (ranges_[mid].second <= address) {
      lo = mid + 1;
    } else if (ranges_[mid].first > address) {
      hi = mid;
    } else {
      *start = ranges_[mid].first;
      *end = ranges_[mid].second;
      return true;
    }
  }
  return false;
}

Registers RegistersFromContext(const void* ucontext) {
  const auto* uc = static_cast<const ucontext_t*>(ucontext);
  Registers r;
#if defined(__x86_64__)
  r.pc = static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RIP]);
  r.fp = static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RBP]);
  r.sp = static_cast<uintptr_t>(uc->uc_mcontext.gregs[REG_RSP]);
#elif defined(__aarch64__)
  r.pc = static_cast<uintptr_t>(uc->uc_mcontext.pc);
  r.fp = static_cast<uintptr_t>(uc->uc_mcontext.regs[29]);
  r.sp = static_cast<uintptr_t>(uc->uc_mcontext.sp);
#else
#error "frame-pointer unwinding knows x86_64 and aarch64 only"
#endif
  return r;
}

int UnwindFrames(const Registers& regs, const StackRanges& ranges,
                 uintptr_t* pcs, int max) {
  if (max <= 0) return 0;
  int n = 0;
  pcs[n++] = regs.pc;
  uintptr_t lo = 0;
  uintptr_t hi = 0;
  if (!ranges.Find(regs.sp, &lo, &hi)) return n;
  constexpr uintptr_t kRecord = 2 * sizeof(uintptr_t);
  uintptr_t fp = regs.fp;
  // Callers' frames lie above the interrupted stack pointer, each above
  // the last; anything else is not a frame record.
  uintptr_t floor = regs.sp;
  while (n < max) {
    if (fp < floor || fp < lo || fp > hi - kRecord ||
        fp % sizeof(uintptr_t) != 0) {
      break;
    }
    const auto* record = reinterpret_cast<const uintptr_t*>(fp);
    const uintptr_t next = record[0];
    const uintptr_t ret = record[1];
    if (ret == 0) break;
    pcs[n++] = ret;
    if (next <= fp) break;
    floor = fp + kRecord;
    fp = next;
  }
  return n;
}

}  // namespace staticship::diagnostics
