#include "release/image/elf_deps.h"

#include <deque>
#include <filesystem>
#include <set>

#include "common/elf/elf_info.h"

namespace staticship::release {

namespace fs = std::filesystem;

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

Result<std::vector<RuntimeFile>> ResolveRuntimeFiles(
    const std::string& binary, const std::string& sysroot) {
  auto top = elf::ReadElf(binary);
  if (!top.ok()) return top.error();
  std::vector<RuntimeFile> out;
  if (top->interpreter.empty()) return out;  // static: nothing to add

  const std::string triple = MultiarchTriple(top->e_machine);
  if (triple.empty()) {
    return MakeError(binary + ": unsupported ELF machine " +
                     std::to_string(top->e_machine));
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
      auto lib = elf::ReadElf(candidate.string());
      // Skip a library of another architecture (e.g. i386 in /lib).
      if (!lib.ok() || lib->e_machine != top->e_machine) continue;
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
