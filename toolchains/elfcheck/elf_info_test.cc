#include "toolchains/elfcheck/elf_info.h"

#include <cstdlib>
#include <string>

#include "gtest/gtest.h"

namespace staticship::elfcheck {
namespace {

// Paths of real binaries come from the BUILD file, so the parser is held
// against what our toolchain and the host toolchain really produce.
std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

TEST(ElfInfo, OurToolchainGivesAFullyStaticBinary) {
  auto info = ReadElf(Env("STATIC_BINARY"));
  ASSERT_TRUE(info.ok()) << info.message();
  // Built for the same platform as this test, whichever that is.
  auto self = ReadElf("/proc/self/exe");
  ASSERT_TRUE(self.ok()) << self.message();
  EXPECT_EQ(info->machine, self->machine);
  EXPECT_TRUE(info->machine == "x86_64" || info->machine == "aarch64");
  EXPECT_TRUE(info->is_64_bit);
  EXPECT_TRUE(info->interpreter.empty());
  EXPECT_TRUE(info->needed.empty());
  EXPECT_TRUE(info->IsStatic());
}

TEST(ElfInfo, HostBinaryIsDynamic) {
  auto info = ReadElf("/bin/true");
  ASSERT_TRUE(info.ok()) << info.message();
  EXPECT_FALSE(info->interpreter.empty());
  EXPECT_NE(info->interpreter.find("ld-linux"), std::string::npos);
  ASSERT_FALSE(info->needed.empty());
  EXPECT_EQ(info->needed.front(), "libc.so.6");
  EXPECT_FALSE(info->IsStatic());
}

TEST(ElfInfo, RejectsNonElfInput) {
  auto info = ParseElf("#!/bin/sh\necho hi\n");
  ASSERT_FALSE(info.ok());
  EXPECT_NE(info.message().find("not an ELF"), std::string::npos);
}

TEST(ElfInfo, TruncatedFileIsAnErrorNotACrash) {
  // Every prefix of a real header must be refused cleanly.
  std::string bytes(64, '\0');
  bytes.replace(0, 4,
                "\x7f"
                "ELF");
  bytes[4] = 2;  // ELFCLASS64
  bytes[5] = 1;  // little endian
  for (size_t size = 0; size < bytes.size(); ++size) {
    auto info = ParseElf(std::string_view(bytes).substr(0, size));
    EXPECT_FALSE(info.ok()) << "prefix of " << size << " bytes";
  }
}

TEST(ElfInfo, ProgramHeadersPastTheEndAreReported) {
  std::string bytes(64, '\0');
  bytes.replace(0, 4,
                "\x7f"
                "ELF");
  bytes[4] = 2;
  bytes[5] = 1;
  bytes[32] = '\x40';  // e_phoff = 64, right at the end of the file
  bytes[54] = 56;      // e_phentsize
  bytes[56] = 1;       // e_phnum
  auto info = ParseElf(bytes);
  ASSERT_FALSE(info.ok());
  EXPECT_NE(info.message().find("program header"), std::string::npos);
}

}  // namespace
}  // namespace staticship::elfcheck
