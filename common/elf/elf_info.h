// Reads just enough of an ELF file to say what it needs at run time: which
// machine it is for, its dynamic loader and shared libraries, and its own
// soname. elfcheck proves a binary static with it; shipctl pack follows the
// DT_NEEDED closure of a dynamic binary with it. Any width and byte order.
#ifndef STATICSHIP_COMMON_ELF_ELF_INFO_H_
#define STATICSHIP_COMMON_ELF_ELF_INFO_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"

namespace staticship::elf {

struct ElfInfo {
  std::uint16_t e_machine = 0;  // EM_X86_64 (62), EM_AARCH64 (183), ...
  std::string machine;          // "x86_64", "aarch64", or "e_machine=<n>".
  bool is_64_bit = false;
  bool is_executable = false;       // ET_EXEC.
  bool is_shared_object = false;    // ET_DYN (PIE and static-pie too).
  std::string interpreter;          // PT_INTERP contents; empty when absent.
  std::vector<std::string> needed;  // DT_NEEDED entries, in file order.
  std::string soname;               // DT_SONAME; empty when absent.
  bool has_dynamic_section = false;

  // Fully static: nothing to load at run time.
  bool IsStatic() const { return interpreter.empty() && needed.empty(); }
  // static-pie: position independent, relocates itself, no loader.
  bool IsStaticPie() const { return IsStatic() && is_shared_object; }
};

// Parses an ELF image held in memory. Every offset is bounds-checked, so a
// truncated or hostile file gives an error, never a crash.
Result<ElfInfo> ParseElf(std::string_view bytes);

// Reads and parses a file.
Result<ElfInfo> ReadElf(const std::string& path);

}  // namespace staticship::elf

#endif  // STATICSHIP_COMMON_ELF_ELF_INFO_H_
