#include "common/elf/symbol_table.h"

#include <elf.h>

#include <algorithm>
#include <cstring>
#include <optional>

namespace staticship::elf {
namespace {

// Little-endian reads that fail instead of running past the end.
class Bytes {
 public:
  explicit Bytes(std::string_view bytes) : bytes_(bytes) {}

  std::optional<uint64_t> Read(uint64_t offset, int width) const {
    if (offset > bytes_.size() || bytes_.size() - offset < uint64_t(width)) {
      return std::nullopt;
    }
    uint64_t value = 0;
    for (int i = 0; i < width; ++i) {
      value |= uint64_t{static_cast<unsigned char>(bytes_[offset + i])}
               << (8 * i);
    }
    return value;
  }

  std::optional<std::string_view> Slice(uint64_t offset, uint64_t size) const {
    if (offset > bytes_.size() || bytes_.size() - offset < size) {
      return std::nullopt;
    }
    return bytes_.substr(offset, size);
  }

 private:
  std::string_view bytes_;
};

struct Section {
  uint32_t type = 0;
  uint64_t offset = 0;
  uint64_t size = 0;
  uint32_t link = 0;
  uint64_t entsize = 0;
};

Error Corrupt(const char* what) {
  return MakeError(
      ErrorCode::kDataLoss,
      std::string("truncated or corrupt ELF: cannot read ") + what);
}

Result<std::vector<Section>> ReadSections(const Bytes& r,
                                          std::string_view bytes) {
  if (bytes.size() < sizeof(Elf64_Ehdr) ||
      std::memcmp(bytes.data(), ELFMAG, SELFMAG) != 0) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "not an ELF file (no \\x7fELF magic)");
  }
  if (bytes[EI_CLASS] != ELFCLASS64 || bytes[EI_DATA] != ELFDATA2LSB) {
    return MakeError(ErrorCode::kUnimplemented,
                     "only 64-bit little-endian ELF files are read");
  }
  const auto shoff = r.Read(offsetof(Elf64_Ehdr, e_shoff), 8);
  const auto shentsize = r.Read(offsetof(Elf64_Ehdr, e_shentsize), 2);
  const auto shnum = r.Read(offsetof(Elf64_Ehdr, e_shnum), 2);
  if (!shoff || !shentsize || !shnum) return Corrupt("the file header");
  std::vector<Section> sections;
  if (*shoff == 0) return sections;  // no section headers at all
  if (*shentsize < sizeof(Elf64_Shdr)) return Corrupt("the section headers");
  for (uint64_t i = 0; i < *shnum; ++i) {
    const uint64_t at = *shoff + i * *shentsize;
    const auto type = r.Read(at + offsetof(Elf64_Shdr, sh_type), 4);
    const auto offset = r.Read(at + offsetof(Elf64_Shdr, sh_offset), 8);
    const auto size = r.Read(at + offsetof(Elf64_Shdr, sh_size), 8);
    const auto link = r.Read(at + offsetof(Elf64_Shdr, sh_link), 4);
    const auto entsize = r.Read(at + offsetof(Elf64_Shdr, sh_entsize), 8);
    if (!type || !offset || !size || !link || !entsize) {
      return Corrupt("a section header");
    }
    sections.push_back({static_cast<uint32_t>(*type), *offset, *size,
                        static_cast<uint32_t>(*link), *entsize});
  }
  return sections;
}

}  // namespace

Result<SymbolTable> SymbolTable::Parse(std::string_view elf_bytes) {
  const Bytes r(elf_bytes);
  Result<std::vector<Section>> sections = ReadSections(r, elf_bytes);
  if (!sections.ok()) return sections.error();
  SymbolTable table;
  for (const Section& symtab : *sections) {
    if (symtab.type != SHT_SYMTAB) continue;
    if (symtab.link >= sections->size()) return Corrupt(".symtab's link");
    const Section& strtab = (*sections)[symtab.link];
    const auto strings = r.Slice(strtab.offset, strtab.size);
    if (!strings) return Corrupt(".strtab");
    const uint64_t entsize =
        symtab.entsize != 0 ? symtab.entsize : sizeof(Elf64_Sym);
    if (entsize < sizeof(Elf64_Sym)) return Corrupt(".symtab's entries");
    for (uint64_t at = symtab.offset;
         at + entsize <= symtab.offset + symtab.size; at += entsize) {
      const auto name = r.Read(at + offsetof(Elf64_Sym, st_name), 4);
      const auto info = r.Read(at + offsetof(Elf64_Sym, st_info), 1);
      const auto shndx = r.Read(at + offsetof(Elf64_Sym, st_shndx), 2);
      const auto value = r.Read(at + offsetof(Elf64_Sym, st_value), 8);
      const auto size = r.Read(at + offsetof(Elf64_Sym, st_size), 8);
      if (!name || !info || !shndx || !value || !size) {
        return Corrupt("a symbol");
      }
      if (ELF64_ST_TYPE(*info) != STT_FUNC || *shndx == SHN_UNDEF ||
          *value == 0) {
        continue;
      }
      if (*name >= strings->size()) return Corrupt("a symbol name");
      const size_t end = strings->find('\0', *name);
      if (end == std::string_view::npos) return Corrupt("a symbol name");
      table.functions_.push_back(
          {*value, *size, std::string(strings->substr(*name, end - *name))});
    }
  }
  std::sort(table.functions_.begin(), table.functions_.end(),
            [](const FunctionSymbol& a, const FunctionSymbol& b) {
              return a.address < b.address;
            });
  return table;
}

const FunctionSymbol* SymbolTable::Find(uint64_t vaddr) const {
  // The last function starting at or below vaddr; aliases (several names at
  // one address) resolve to the last one sorted there, which is as good.
  auto it = std::upper_bound(
      functions_.begin(), functions_.end(), vaddr,
      [](uint64_t a, const FunctionSymbol& f) { return a < f.address; });
  if (it == functions_.begin()) return nullptr;
  --it;
  // A size of 0 (hand-written assembly) covers its first byte only.
  uint64_t size = it->size != 0 ? it->size : 1;
  return vaddr - it->address < size ? &*it : nullptr;
}

Result<std::string> ReadBuildId(std::string_view elf_bytes) {
  const Bytes r(elf_bytes);
  Result<std::vector<Section>> sections = ReadSections(r, elf_bytes);
  if (!sections.ok()) return sections.error();
  for (const Section& s : *sections) {
    if (s.type != SHT_NOTE) continue;
    uint64_t at = s.offset;
    const uint64_t end = s.offset + s.size;
    while (at + 12 <= end) {
      const auto namesz = r.Read(at, 4);
      const auto descsz = r.Read(at + 4, 4);
      const auto type = r.Read(at + 8, 4);
      if (!namesz || !descsz || !type) return Corrupt("a note");
      const uint64_t name_at = at + 12;
      const uint64_t desc_at = name_at + ((*namesz + 3) & ~uint64_t{3});
      const auto name = r.Slice(name_at, *namesz);
      const auto desc = r.Slice(desc_at, *descsz);
      if (!name || !desc) return Corrupt("a note");
      if (*type == NT_GNU_BUILD_ID && *name == std::string_view("GNU\0", 4)) {
        return HexString(*desc);
      }
      at = desc_at + ((*descsz + 3) & ~uint64_t{3});
    }
  }
  return std::string();
}

std::string HexString(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0xf]);
  }
  return out;
}

}  // namespace staticship::elf
