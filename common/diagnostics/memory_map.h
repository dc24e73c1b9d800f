// What the process has mapped (/proc/self/maps) and which ELF objects it
// has loaded (dl_iterate_phdr, which static musl binaries have too): the
// profile's mappings and build ids, the thread dump's module names, and the
// ranges a frame pointer may safely point into.
#ifndef STATICSHIP_COMMON_DIAGNOSTICS_MEMORY_MAP_H_
#define STATICSHIP_COMMON_DIAGNOSTICS_MEMORY_MAP_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"

namespace staticship::diagnostics {

struct Mapping {
  uint64_t start = 0;
  uint64_t end = 0;
  uint64_t offset = 0;  // file offset of `start`
  bool readable = false;
  bool writable = false;
  bool executable = false;
  std::string path;  // "" for anonymous memory; "[stack]", "[vdso]", ...
};

// Parses the text of /proc/<pid>/maps; a malformed line is an error.
Result<std::vector<Mapping>> ParseMemoryMap(std::string_view text);
Result<std::vector<Mapping>> ReadSelfMemoryMap();

struct LoadedObject {
  std::string path;         // the program's own: /proc/self/exe's target
  uint64_t load_bias = 0;   // runtime address minus ELF virtual address
  uint64_t text_start = 0;  // runtime range of its executable segments
  uint64_t text_end = 0;
  std::string build_id;  // lowercase hex from its loaded PT_NOTE; "" if none
  bool is_main = false;
  bool has_interpreter = false;  // PT_INTERP: dynamically linked
};

// The program first, then shared libraries in load order.
std::vector<LoadedObject> ListLoadedObjects();

}  // namespace staticship::diagnostics

#endif  // STATICSHIP_COMMON_DIAGNOSTICS_MEMORY_MAP_H_
