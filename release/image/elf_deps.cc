#include "release/image/elf_deps.h"

#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>

namespace staticship::release {
namespace {

namespace fs = std::filesystem;

constexpr std::uint32_t kPtLoad = 1, kPtDynamic = 2, kPtInterp = 3;
constexpr std::int64_t kDtNull = 0, kDtNeeded = 1, kDtStrtab = 5, kDtStrsz = 10,
                       kDtSoname = 14;

template <typename T>
bool Load(std::string_view bytes, std::uint64_t offset, T* out) {
  if (offset > bytes.size() || bytes.size() - offset < sizeof(T)) return false;
  std::memcpy(out, bytes.data() + offset, sizeof(T));  // host is little-endian
  return true;
}

struct Segment {
  std::uint32_t type;
  std::uint64_t offset, vaddr, filesz;
};

}  // namespace

std::string MultiarchTriple(std::uint16_t machine) {
  switch (machine) {
    case 62:
      return "x86_64-linux-gnu";
    case 183:
      return "aarch64-linux-gnu";
    default:
      return "";
  }
}

Result<ElfInfo> ParseElf(std::string_view bytes) {
  if (bytes.size() < 64 || bytes.substr(0, 4) !=
                               "\x7f"
                               "ELF") {
    return MakeError("not an ELF file");
  }
  if (bytes[4] != 2 || bytes[5] != 1) {
    return MakeError("only 64-bit little-endian ELF is supported");
  }
  ElfInfo info;
  std::uint64_t phoff = 0;
  std::uint16_t phentsize = 0, phnum = 0;
  if (!Load(bytes, 18, &info.machine) || !Load(bytes, 32, &phoff) ||
      !Load(bytes, 54, &phentsize) || !Load(bytes, 56, &phnum) ||
      phentsize < 56) {
    return MakeError("truncated ELF header");
  }
  std::vector<Segment> segments;
  for (std::uint16_t i = 0; i < phnum; ++i) {
    const std::uint64_t at = phoff + std::uint64_t{i} * phentsize;
    Segment s{};
    if (!Load(bytes, at, &s.type) || !Load(bytes, at + 8, &s.offset) ||
        !Load(bytes, at + 16, &s.vaddr) || !Load(bytes, at + 32, &s.filesz)) {
      return MakeError("truncated ELF program headers");
    }
    if (s.offset > bytes.size() || bytes.size() - s.offset < s.filesz) {
      return MakeError("ELF segment outside the file");
    }
    segments.push_back(s);
  }
  auto to_offset = [&](std::uint64_t vaddr) -> std::optional<std::uint64_t> {
    for (const Segment& s : segments) {
      if (s.type == kPtLoad && vaddr >= s.vaddr && vaddr - s.vaddr < s.filesz) {
        return vaddr - s.vaddr + s.offset;
      }
    }
    return std::nullopt;
  };

  for (const Segment& s : segments) {
    if (s.type == kPtInterp) {
      std::string_view interp = bytes.substr(s.offset, s.filesz);
      info.interpreter = std::string(interp.substr(0, interp.find('\0')));
    }
  }
  for (const Segment& s : segments) {
    if (s.type != kPtDynamic) continue;
    std::uint64_t strtab = 0, strsz = 0;
    std::vector<std::uint64_t> needed_offsets;
    std::optional<std::uint64_t> soname_offset;
    for (std::uint64_t at = s.offset; at + 16 <= s.offset + s.filesz;
         at += 16) {
      std::int64_t tag = 0;
      std::uint64_t value = 0;
      Load(bytes, at, &tag);
      Load(bytes, at + 8, &value);
      if (tag == kDtNull) break;
      if (tag == kDtNeeded) needed_offsets.push_back(value);
      if (tag == kDtStrtab) strtab = value;
      if (tag == kDtStrsz) strsz = value;
      if (tag == kDtSoname) soname_offset = value;
    }
    if (needed_offsets.empty() && !soname_offset) break;
    const auto table = to_offset(strtab);
    if (!table || *table + strsz > bytes.size()) {
      return MakeError("ELF dynamic string table outside the file");
    }
    const std::string_view strings = bytes.substr(*table, strsz);
    auto name_at = [&](std::uint64_t off) -> Result<std::string> {
      if (off >= strings.size()) return MakeError("bad ELF string offset");
      const std::string_view rest = strings.substr(off);
      return std::string(rest.substr(0, rest.find('\0')));
    };
    for (std::uint64_t off : needed_offsets) {
      auto name = name_at(off);
      if (!name.ok()) return name.error();
      info.needed.push_back(*name);
    }
    if (soname_offset) {
      auto name = name_at(*soname_offset);
      if (!name.ok()) return name.error();
      info.soname = *name;
    }
    break;
  }
  return info;
}

Result<ElfInfo> ReadElfFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return MakeError("cannot read " + path);
  const std::string bytes((std::istreambuf_iterator<char>(in)),
                          std::istreambuf_iterator<char>());
  auto info = ParseElf(bytes);
  if (!info.ok()) return MakeError(path + ": " + info.message());
  return info;
}

Result<std::vector<RuntimeFile>> ResolveRuntimeFiles(
    const std::string& binary, const std::string& sysroot) {
  auto top = ReadElfFile(binary);
  if (!top.ok()) return top.error();
  std::vector<RuntimeFile> out;
  if (top->interpreter.empty()) return out;  // static: nothing to add

  const std::string triple = MultiarchTriple(top->machine);
  if (triple.empty()) {
    return MakeError(binary + ": unsupported ELF machine " +
                     std::to_string(top->machine));
  }
  const fs::path root(sysroot);
  auto host = [&](const std::string& image_path) {
    return root / fs::path(image_path).relative_path();
  };

  std::error_code ec;
  const fs::path loader = fs::canonical(host(top->interpreter), ec);
  if (ec) {
    return MakeError("dynamic loader " + top->interpreter +
                     " not found under " + sysroot);
  }
  const std::string loader_name =
      fs::path(top->interpreter).filename().string();
  out.push_back({loader_name, top->interpreter, loader.string()});

  const std::vector<std::string> dirs = {"/lib/" + triple, "/usr/lib/" + triple,
                                         "/lib64",         "/usr/lib64",
                                         "/lib",           "/usr/lib"};
  std::set<std::string> seen = {loader_name};
  std::deque<std::pair<std::string, std::string>> queue;  // soname, needer
  for (const auto& n : top->needed) queue.emplace_back(n, binary);
  while (!queue.empty()) {
    const auto [soname, needer] = queue.front();
    queue.pop_front();
    if (!seen.insert(soname).second) continue;
    if (soname.find('/') != std::string::npos) {
      return MakeError(needer + " needs a path, not a soname: " + soname);
    }
    bool found = false;
    for (const std::string& dir : dirs) {
      const std::string image_path = dir + "/" + soname;
      const fs::path candidate = host(image_path);
      if (!fs::exists(candidate, ec)) continue;
      auto lib = ReadElfFile(candidate.string());
      // Skip a library of another architecture (e.g. i386 in /lib).
      if (!lib.ok() || lib->machine != top->machine) continue;
      out.push_back(
          {soname, image_path, fs::canonical(candidate, ec).string()});
      for (const auto& n : lib->needed) queue.emplace_back(n, soname);
      found = true;
      break;
    }
    if (!found) {
      return MakeError("shared library " + soname + " (needed by " + needer +
                       ") not found in the " + triple + " search path under " +
                       sysroot);
    }
  }
  return out;
}

}  // namespace staticship::release
