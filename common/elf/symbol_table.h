// The function symbols and GNU build id of a 64-bit little-endian ELF file
// (x86_64 and aarch64, what we build): /debug/threads names the frames of
// the running binary with them, and the CPU profile names its mappings by
// build id so that pprof finds the matching binary or symbol file.
//
//   auto bytes = ReadWholeFile("/proc/self/exe");
//   auto table = elf::SymbolTable::Parse(*bytes);
//   if (const elf::FunctionSymbol* f = table->Find(vaddr)) ... f->name ...
//   std::string id = elf::ReadBuildId(*bytes).value();   // "" when none
#ifndef STATICSHIP_COMMON_ELF_SYMBOL_TABLE_H_
#define STATICSHIP_COMMON_ELF_SYMBOL_TABLE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"

namespace staticship::elf {

struct FunctionSymbol {
  uint64_t address = 0;  // ELF virtual address (add the load bias of a PIE)
  uint64_t size = 0;
  std::string name;  // as in the file: mangled for C++
};

class SymbolTable {
 public:
  // Reads the STT_FUNC entries of .symtab. A stripped file (no .symtab)
  // gives an empty table, not an error: callers then fall back to module
  // and offset. A truncated or corrupt file is an error.
  static Result<SymbolTable> Parse(std::string_view elf_bytes);

  bool empty() const { return functions_.empty(); }
  size_t size() const { return functions_.size(); }
  // The function whose [address, address + size) holds `vaddr`, or nullptr.
  const FunctionSymbol* Find(uint64_t vaddr) const;

 private:
  std::vector<FunctionSymbol> functions_;  // by address
};

// The NT_GNU_BUILD_ID note (of any SHT_NOTE section) as lowercase hex; ""
// when the file has none.
Result<std::string> ReadBuildId(std::string_view elf_bytes);

// Lowercase hex of raw bytes, the spelling pprof and `file` use for ids.
std::string HexString(std::string_view bytes);

}  // namespace staticship::elf

#endif  // STATICSHIP_COMMON_ELF_SYMBOL_TABLE_H_
