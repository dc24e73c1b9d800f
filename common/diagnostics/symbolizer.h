// Names code addresses of this process for /debug/threads: function names
// from the program's own .symtab when it has one (the dynamic build, and
// every build made with symbols), demangled; otherwise, and for shared
// libraries, the module path, the ELF virtual address and the build id,
// which `addr2line -f -C -e MODULE VADDR` or pprof resolve against the
// unstripped binary or its symbol file.
#ifndef STATICSHIP_COMMON_DIAGNOSTICS_SYMBOLIZER_H_
#define STATICSHIP_COMMON_DIAGNOSTICS_SYMBOLIZER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "common/diagnostics/memory_map.h"
#include "common/elf/symbol_table.h"

namespace staticship::diagnostics {

struct Frame {
  uintptr_t pc = 0;
  std::string module;  // path of the object (or mapping) holding pc
  uint64_t vaddr = 0;  // pc - the object's load bias: addr2line's address
  std::string build_id;
  std::string function;  // demangled; "" when not known
  std::string symbol;    // as the symbol table spells it (mangled)
  uint64_t function_offset = 0;
};

class Symbolizer {
 public:
  // Reads /proc/self/exe's symbol table and the loaded objects; never
  // fails: without symbols frames are described by module and address.
  static Symbolizer ForThisProcess();

  Frame Describe(uintptr_t pc) const;
  bool has_symbols() const { return !symbols_.empty(); }
  // Which of the two the frames use, in a sentence for the dump's header.
  const std::string& source() const { return source_; }

 private:
  elf::SymbolTable symbols_;
  std::vector<LoadedObject> objects_;
  std::vector<Mapping> mappings_;
  std::string source_;
};

// __cxa_demangle's reading of a mangled C++ name; other names unchanged.
std::string Demangle(const std::string& name);

}  // namespace staticship::diagnostics

#endif  // STATICSHIP_COMMON_DIAGNOSTICS_SYMBOLIZER_H_
