// Reads just enough of an ELF file to say whether it is what the build
// claims: which machine it is for, and whether it needs a dynamic loader or
// shared libraries at run time.
#ifndef STATICSHIP_TOOLCHAINS_ELFCHECK_ELF_INFO_H_
#define STATICSHIP_TOOLCHAINS_ELFCHECK_ELF_INFO_H_

#include <string>
#include <string_view>
#include <vector>

#include "services/common/result.h"

namespace staticship::elfcheck {

struct ElfInfo {
  std::string machine;  // "x86_64", "aarch64", or "e_machine=<n>".
  bool is_64_bit = false;
  bool is_executable = false;       // ET_EXEC.
  bool is_shared_object = false;    // ET_DYN (PIE and static-pie too).
  std::string interpreter;          // PT_INTERP contents; empty when absent.
  std::vector<std::string> needed;  // DT_NEEDED entries, in file order.
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

}  // namespace staticship::elfcheck

#endif  // STATICSHIP_TOOLCHAINS_ELFCHECK_ELF_INFO_H_
