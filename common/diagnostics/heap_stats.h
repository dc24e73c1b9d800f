// The allocator's own view of the heap: mimalloc's where it is linked in
// (the static service binaries replace musl's malloc with it), glibc's
// mallinfo2() under glibc, nothing under plain musl (mallocng keeps no
// statistics). mimalloc is found through weak symbols, so this library
// links with or without it.
#ifndef STATICSHIP_COMMON_DIAGNOSTICS_HEAP_STATS_H_
#define STATICSHIP_COMMON_DIAGNOSTICS_HEAP_STATS_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace staticship::diagnostics {

struct HeapStats {
  std::string allocator;  // "mimalloc", "glibc", "musl"
  // Named figures (bytes unless the name says otherwise), in a fixed order.
  std::vector<std::pair<std::string, uint64_t>> values;
};

HeapStats ReadHeapStats();

}  // namespace staticship::diagnostics

#endif  // STATICSHIP_COMMON_DIAGNOSTICS_HEAP_STATS_H_
