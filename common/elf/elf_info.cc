#include "common/elf/elf_info.h"

#include <elf.h>

#include <cstdint>
#include <cstring>
#include <optional>

#include "common/base/file.h"

namespace staticship::elf {
namespace {

// Readers for either width and byte order; the host's elf.h types only
// describe layout, the bytes themselves are decoded here.
class Reader {
 public:
  Reader(std::string_view bytes, bool little_endian)
      : bytes_(bytes), little_endian_(little_endian) {}

  std::optional<uint64_t> Read(uint64_t offset, int width) const {
    if (offset > bytes_.size() || bytes_.size() - offset < uint64_t(width)) {
      return std::nullopt;
    }
    uint64_t value = 0;
    for (int i = 0; i < width; ++i) {
      const uint64_t byte = static_cast<unsigned char>(bytes_[offset + i]);
      value |= little_endian_ ? byte << (8 * i) : byte << (8 * (width - 1 - i));
    }
    return value;
  }

  std::optional<std::string> CString(uint64_t offset) const {
    if (offset >= bytes_.size()) return std::nullopt;
    const size_t end = bytes_.find('\0', offset);
    if (end == std::string_view::npos) return std::nullopt;
    return std::string(bytes_.substr(offset, end - offset));
  }

  size_t size() const { return bytes_.size(); }

 private:
  std::string_view bytes_;
  bool little_endian_;
};

struct Segment {
  uint32_t type;
  uint64_t offset;
  uint64_t vaddr;
  uint64_t filesz;
};

std::string MachineName(uint16_t machine) {
  switch (machine) {
    case EM_X86_64:
      return "x86_64";
    case EM_AARCH64:
      return "aarch64";
    case EM_386:
      return "i386";
    case EM_ARM:
      return "arm";
    case EM_RISCV:
      return "riscv";
    default:
      return "e_machine=" + std::to_string(machine);
  }
}

// DT_STRTAB holds a virtual address; map it back to a file offset through
// the PT_LOAD segment that contains it.
std::optional<uint64_t> FileOffset(const std::vector<Segment>& segments,
                                   uint64_t vaddr) {
  for (const Segment& s : segments) {
    if (s.type == PT_LOAD && vaddr >= s.vaddr && vaddr < s.vaddr + s.filesz) {
      return s.offset + (vaddr - s.vaddr);
    }
  }
  return std::nullopt;
}

Error Truncated(const char* what) {
  return MakeError(std::string("truncated or corrupt ELF: cannot read ") +
                   what);
}

}  // namespace

Result<ElfInfo> ParseElf(std::string_view bytes) {
  if (bytes.size() < EI_NIDENT || std::memcmp(bytes.data(), ELFMAG, SELFMAG)) {
    return MakeError("not an ELF file (no \\x7fELF magic)");
  }
  const unsigned char klass = bytes[EI_CLASS];
  const unsigned char data = bytes[EI_DATA];
  if (klass != ELFCLASS32 && klass != ELFCLASS64) {
    return MakeError("unknown ELF class " + std::to_string(klass));
  }
  if (data != ELFDATA2LSB && data != ELFDATA2MSB) {
    return MakeError("unknown ELF byte order " + std::to_string(data));
  }
  const bool wide = klass == ELFCLASS64;
  if (bytes.size() < (wide ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr))) {
    return Truncated("the file header");
  }
  const Reader r(bytes, data == ELFDATA2LSB);
  const int word = wide ? 8 : 4;

  ElfInfo info;
  info.is_64_bit = wide;
  const auto type = r.Read(16, 2);
  const auto machine = r.Read(18, 2);
  const auto phoff = r.Read(wide ? 32 : 28, word);
  const auto phentsize = r.Read(wide ? 54 : 42, 2);
  const auto phnum = r.Read(wide ? 56 : 44, 2);
  if (!type || !machine || !phoff || !phentsize || !phnum) {
    return Truncated("the file header");
  }
  info.e_machine = static_cast<uint16_t>(*machine);
  info.machine = MachineName(info.e_machine);
  info.is_executable = *type == ET_EXEC;
  info.is_shared_object = *type == ET_DYN;

  std::vector<Segment> segments;
  for (uint64_t i = 0; i < *phnum; ++i) {
    const uint64_t at = *phoff + i * *phentsize;
    const auto p_type = r.Read(at, 4);
    const auto p_offset = r.Read(at + (wide ? 8 : 4), word);
    const auto p_vaddr = r.Read(at + (wide ? 16 : 8), word);
    const auto p_filesz = r.Read(at + (wide ? 32 : 16), word);
    if (!p_type || !p_offset || !p_vaddr || !p_filesz) {
      return Truncated("a program header");
    }
    segments.push_back(
        {static_cast<uint32_t>(*p_type), *p_offset, *p_vaddr, *p_filesz});
  }

  const Segment* dynamic = nullptr;
  for (const Segment& s : segments) {
    if (s.type == PT_INTERP) {
      auto path = r.CString(s.offset);
      if (!path) return Truncated("PT_INTERP");
      info.interpreter = *path;
    } else if (s.type == PT_DYNAMIC) {
      dynamic = &s;
    }
  }
  if (dynamic == nullptr) return info;
  info.has_dynamic_section = true;

  std::vector<uint64_t> needed_offsets;
  std::optional<uint64_t> soname_offset;
  std::optional<uint64_t> strtab;
  const int entry = 2 * word;
  for (uint64_t at = dynamic->offset;
       at + entry <= dynamic->offset + dynamic->filesz; at += entry) {
    const auto tag = r.Read(at, word);
    const auto value = r.Read(at + word, word);
    if (!tag || !value) return Truncated("the dynamic section");
    if (*tag == DT_NULL) break;
    if (*tag == DT_NEEDED) needed_offsets.push_back(*value);
    if (*tag == DT_SONAME) soname_offset = *value;
    if (*tag == DT_STRTAB) strtab = FileOffset(segments, *value);
  }
  if (needed_offsets.empty() && !soname_offset) return info;
  if (!strtab) return Truncated("DT_STRTAB");
  for (uint64_t offset : needed_offsets) {
    auto name = r.CString(*strtab + offset);
    if (!name) return Truncated("a DT_NEEDED name");
    info.needed.push_back(*name);
  }
  if (soname_offset) {
    auto name = r.CString(*strtab + *soname_offset);
    if (!name) return Truncated("the DT_SONAME name");
    info.soname = *name;
  }
  return info;
}

Result<ElfInfo> ReadElf(const std::string& path) {
  Result<std::string> bytes = ReadWholeFile(path);
  if (!bytes.ok()) return bytes.error();
  auto info = ParseElf(*bytes);
  if (!info.ok()) return WithContext(info.error(), path);
  return info;
}

}  // namespace staticship::elf
