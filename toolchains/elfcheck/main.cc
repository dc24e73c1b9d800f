// elfcheck: reports what an ELF binary needs at run time and, with
// --expect/--machine, fails when that is not what the build promised.
//
//   elfcheck [--expect static|dynamic] [--machine x86_64|aarch64] FILE...
#include <cstdio>
#include <string>
#include <vector>

#include "common/base/flags.h"
#include "common/elf/elf_info.h"

namespace {

using staticship::elf::ElfInfo;

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

void Report(const std::string& path, const ElfInfo& info) {
  std::printf(
      "%s: machine=%s class=%s type=%s interp=%s needed=[%s] %s\n",
      path.c_str(), info.machine.c_str(), info.is_64_bit ? "ELF64" : "ELF32",
      info.is_executable ? "EXEC" : (info.is_shared_object ? "DYN" : "other"),
      info.interpreter.empty() ? "none" : info.interpreter.c_str(),
      Join(info.needed).c_str(),
      info.IsStaticPie() ? "static-pie"
                         : (info.IsStatic() ? "static" : "dynamic"));
}

// Returns the violations of the expectations, one line each.
std::vector<std::string> Check(const ElfInfo& info, const std::string& expect,
                               const std::string& machine) {
  std::vector<std::string> problems;
  if (!machine.empty() && info.machine != machine) {
    problems.push_back("built for " + info.machine + ", expected " + machine);
  }
  if (expect == "static" && !info.IsStatic()) {
    std::string why = "not fully static:";
    if (!info.interpreter.empty()) why += " PT_INTERP " + info.interpreter;
    if (!info.needed.empty()) why += " DT_NEEDED " + Join(info.needed);
    problems.push_back(why +
                       " (it was not linked by the zig musl toolchain; check "
                       "--platforms and toolchains/README.md)");
  }
  if (expect == "dynamic" && info.IsStatic()) {
    problems.push_back(
        "expected a dynamically linked binary, found a static one");
  }
  return problems;
}

int Usage() {
  std::fprintf(stderr,
               "usage: elfcheck [--expect static|dynamic] "
               "[--machine x86_64|aarch64] FILE...\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  auto flags = staticship::Flags::Parse(
      staticship::ArgsFromArgv({argv + 1, argv + argc}),
      {.values = {"expect", "machine"}, .positionals = true});
  if (!flags.ok()) {
    std::fprintf(stderr, "elfcheck: %s\n", flags.message().c_str());
    return Usage();
  }
  const std::string expect = flags->GetOr("expect", "");
  const std::string machine = flags->GetOr("machine", "");
  const std::vector<std::string>& files = flags->positionals();
  if (files.empty() ||
      (!expect.empty() && expect != "static" && expect != "dynamic")) {
    return Usage();
  }
  int status = 0;
  for (const std::string& path : files) {
    auto info = staticship::elf::ReadElf(path);
    if (!info.ok()) {
      std::fprintf(stderr, "elfcheck: %s\n", info.message().c_str());
      status = 1;
      continue;
    }
    Report(path, *info);
    for (const std::string& problem : Check(*info, expect, machine)) {
      std::fprintf(stderr, "elfcheck: %s: %s\n", path.c_str(), problem.c_str());
      status = 1;
    }
  }
  return status;
}
