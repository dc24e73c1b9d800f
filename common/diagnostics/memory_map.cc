#include "common/diagnostics/memory_map.h"

#include <elf.h>
#include <link.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <climits>
#include <cstring>

#include "common/base/file.h"
#include "common/elf/symbol_table.h"

namespace staticship::diagnostics {
namespace {

bool ParseHex(std::string_view text, uint64_t* out) {
  auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), *out, 16);
  return ec == std::errc() && end == text.data() + text.size();
}

// The next space-separated word of `line`, removed from it.
std::string_view NextWord(std::string_view* line) {
  const size_t start = line->find_first_not_of(' ');
  if (start == std::string_view::npos) {
    *line = {};
    return {};
  }
  line->remove_prefix(start);
  const size_t end = line->find(' ');
  std::string_view word = line->substr(0, end);
  line->remove_prefix(end == std::string_view::npos ? line->size() : end);
  return word;
}

std::string BuildIdOf(const dl_phdr_info* info) {
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_NOTE) continue;
    const char* p = reinterpret_cast<const char*>(info->dlpi_addr + ph.p_vaddr);
    const char* end = p + ph.p_memsz;
    while (end - p >= 12) {
      uint32_t namesz, descsz, type;
      std::memcpy(&namesz, p, 4);
      std::memcpy(&descsz, p + 4, 4);
      std::memcpy(&type, p + 8, 4);
      const char* name = p + 12;
      const char* desc = name + ((namesz + 3) & ~3u);
      if (desc + descsz > end) break;
      if (type == NT_GNU_BUILD_ID && namesz == 4 &&
          std::memcmp(name, "GNU", 4) == 0) {
        return elf::HexString(std::string_view(desc, descsz));
      }
      p = desc + ((descsz + 3) & ~3u);
    }
  }
  return "";
}

std::string SelfExePath() {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "/proc/self/exe";
}

}  // namespace

Result<std::vector<Mapping>> ParseMemoryMap(std::string_view text) {
  std::vector<Mapping> out;
  size_t number = 0;
  while (!text.empty()) {
    ++number;
    const size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    if (line.empty()) continue;
    // start-end perms offset dev inode [path]
    std::string_view range = NextWord(&line);
    std::string_view perms = NextWord(&line);
    std::string_view offset = NextWord(&line);
    NextWord(&line);  // dev
    NextWord(&line);  // inode
    const size_t dash = range.find('-');
    Mapping m;
    if (dash == std::string_view::npos || perms.size() < 4 ||
        !ParseHex(range.substr(0, dash), &m.start) ||
        !ParseHex(range.substr(dash + 1), &m.end) ||
        !ParseHex(offset, &m.offset) || m.end < m.start) {
      return MakeError(ErrorCode::kDataLoss,
                       "maps line " + std::to_string(number) +
                           " is not 'start-end perms offset dev inode path'");
    }
    m.readable = perms[0] == 'r';
    m.writable = perms[1] == 'w';
    m.executable = perms[2] == 'x';
    const size_t path = line.find_first_not_of(' ');
    if (path != std::string_view::npos) m.path = std::string(line.substr(path));
    out.push_back(std::move(m));
  }
  return out;
}

Result<std::vector<Mapping>> ReadSelfMemoryMap() {
  Result<std::string> text = ReadWholeFile("/proc/self/maps");
  if (!text.ok()) return text.error();
  return ParseMemoryMap(*text);
}

std::vector<LoadedObject> ListLoadedObjects() {
  std::vector<LoadedObject> objects;
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* data) {
        auto* out = static_cast<std::vector<LoadedObject>*>(data);
        LoadedObject o;
        o.is_main = out->empty();
        o.path = info->dlpi_name != nullptr ? info->dlpi_name : "";
        o.load_bias = info->dlpi_addr;
        o.text_start = UINT64_MAX;
        for (int i = 0; i < info->dlpi_phnum; ++i) {
          const ElfW(Phdr)& ph = info->dlpi_phdr[i];
          if (ph.p_type == PT_INTERP) o.has_interpreter = true;
          if (ph.p_type != PT_LOAD || (ph.p_flags & PF_X) == 0) continue;
          o.text_start =
              std::min<uint64_t>(o.text_start, info->dlpi_addr + ph.p_vaddr);
          o.text_end = std::max<uint64_t>(
              o.text_end, info->dlpi_addr + ph.p_vaddr + ph.p_memsz);
        }
        if (o.text_start == UINT64_MAX) o.text_start = 0;
        o.build_id = BuildIdOf(info);
        out->push_back(std::move(o));
        return 0;
      },
      &objects);
  // glibc names the program "", static musl "/proc/self/exe": neither is
  // a path pprof or addr2line can use elsewhere.
  if (!objects.empty()) objects[0].path = SelfExePath();
  return objects;
}

}  // namespace staticship::diagnostics
