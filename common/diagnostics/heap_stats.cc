#include "common/diagnostics/heap_stats.h"

#include <cstddef>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

// mimalloc's API (include/mimalloc.h), declared weak: null unless the
// binary links mimalloc.
extern "C" {
[[gnu::weak]] void mi_process_info(size_t* elapsed_msecs, size_t* user_msecs,
                                   size_t* system_msecs, size_t* current_rss,
                                   size_t* peak_rss, size_t* current_commit,
                                   size_t* peak_commit, size_t* page_faults);
}

namespace staticship::diagnostics {

HeapStats ReadHeapStats() {
  HeapStats h;
  if (mi_process_info != nullptr) {
    size_t current_commit = 0, peak_commit = 0, peak_rss = 0, faults = 0;
    mi_process_info(nullptr, nullptr, nullptr, nullptr, &peak_rss,
                    &current_commit, &peak_commit, &faults);
    h.allocator = "mimalloc";
    h.values = {{"committed_bytes", current_commit},
                {"peak_committed_bytes", peak_commit},
                {"peak_rss_bytes", peak_rss},
                {"page_faults", faults}};
    return h;
  }
#if defined(__GLIBC__)
  const struct mallinfo2 m = ::mallinfo2();
  h.allocator = "glibc";
  h.values = {{"arena_bytes", m.arena + m.hblkhd},
              {"in_use_bytes", m.uordblks + m.hblkhd},
              {"free_bytes", m.fordblks},
              {"mmapped_bytes", m.hblkhd},
              {"releasable_bytes", m.keepcost}};
#else
  h.allocator = "musl";
#endif
  return h;
}

}  // namespace staticship::diagnostics
