#include "release/image/elf_deps.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace staticship::release {
namespace {

// The test binary itself is a real ELF file of the host architecture.
std::string SelfPath() { return "/proc/self/exe"; }

TEST(ElfDepsTest, RejectsNonElf) {
  EXPECT_FALSE(ParseElf("not an elf file at all, but long enough to parse "
                        "the header fields of one............")
                   .ok());
  EXPECT_FALSE(ParseElf("\x7f"
                        "ELF")
                   .ok());
}

TEST(ElfDepsTest, ReadsItself) {
  auto info = ReadElfFile(SelfPath());
  ASSERT_TRUE(info.ok()) << info.message();
  EXPECT_FALSE(MultiarchTriple(info->machine).empty());
  if (info->interpreter.empty()) {
    // Built static (musl): nothing to resolve.
    auto files = ResolveRuntimeFiles(SelfPath());
    ASSERT_TRUE(files.ok()) << files.message();
    EXPECT_TRUE(files->empty());
    return;
  }
  // Built dynamic (glibc): libc must be needed directly or transitively.
  auto files = ResolveRuntimeFiles(SelfPath());
  ASSERT_TRUE(files.ok()) << files.message();
  ASSERT_FALSE(files->empty());
  EXPECT_EQ((*files)[0].image_path, info->interpreter);
  bool has_libc = false;
  for (const auto& f : *files) {
    if (f.soname == "libc.so.6") has_libc = true;
    auto lib = ReadElfFile(f.host_path);
    ASSERT_TRUE(lib.ok()) << f.host_path;
    EXPECT_EQ(lib->machine, info->machine);
  }
  EXPECT_TRUE(has_libc);
}

TEST(ElfDepsTest, MissingLibraryIsAnError) {
  auto info = ReadElfFile(SelfPath());
  ASSERT_TRUE(info.ok());
  if (info->interpreter.empty()) GTEST_SKIP() << "static test binary";
  // An empty sysroot has neither the loader nor any library.
  const char* tmp = std::getenv("TEST_TMPDIR");
  auto files = ResolveRuntimeFiles(SelfPath(), tmp ? tmp : "/nonexistent");
  EXPECT_FALSE(files.ok());
}

}  // namespace
}  // namespace staticship::release
