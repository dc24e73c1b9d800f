#include "release/image/elf_deps.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "common/elf/elf_info.h"

namespace staticship::release {
namespace {

// The test binary itself: static (musl) by default, dynamic (glibc) under
// --config=dynamic, where it also needs Bazel's own shared libraries from its
// runfiles, which no system search path holds.
TEST(ElfDepsTest, ReadsItself) {
  auto info = elf::ReadElf("/proc/self/exe");
  ASSERT_TRUE(info.ok()) << info.message();
  EXPECT_FALSE(MultiarchTriple(info->e_machine).empty());
  if (!info->interpreter.empty()) return;
  auto files = ResolveRuntimeFiles("/proc/self/exe");
  ASSERT_TRUE(files.ok()) << files.message();
  EXPECT_TRUE(files->empty());  // static: nothing to add
}

// A host binary is dynamic in every configuration, so the closure is
// followed whatever this test was built as: the loader first, libc in it,
// every library for the binary's machine.
TEST(ElfDepsTest, ResolvesAHostBinary) {
  const std::string binary = "/bin/true";
  auto info = elf::ReadElf(binary);
  ASSERT_TRUE(info.ok()) << info.message();
  ASSERT_FALSE(info->interpreter.empty());
  auto files = ResolveRuntimeFiles(binary);
  ASSERT_TRUE(files.ok()) << files.message();
  ASSERT_FALSE(files->empty());
  EXPECT_EQ((*files)[0].image_path, info->interpreter);
  bool has_libc = false;
  for (const auto& f : *files) {
    if (f.soname == "libc.so.6") has_libc = true;
    auto lib = elf::ReadElf(f.host_path);
    ASSERT_TRUE(lib.ok()) << f.host_path;
    EXPECT_EQ(lib->e_machine, info->e_machine);
  }
  EXPECT_TRUE(has_libc);
}

TEST(ElfDepsTest, MissingLibraryIsAnError) {
  // An empty sysroot has neither the loader nor any library.
  const char* tmp = std::getenv("TEST_TMPDIR");
  auto files = ResolveRuntimeFiles("/bin/true", tmp ? tmp : "/nonexistent");
  ASSERT_FALSE(files.ok());
  EXPECT_NE(files.message().find("not found"), std::string::npos);
}

TEST(ElfDepsTest, NotAnElfFileIsAnError) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  EXPECT_FALSE(ResolveRuntimeFiles(tmp ? tmp : "/nonexistent").ok());
}

}  // namespace
}  // namespace staticship::release
