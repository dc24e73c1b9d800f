#include "toolchains/elfcheck/elf_info.h"

#include <cstdint>
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

// Writes `value` little-endian into `bytes` at `offset`.
void Put(std::string& bytes, size_t offset, uint64_t value, int width) {
  for (int i = 0; i < width; ++i) {
    bytes[offset + i] = static_cast<char>((value >> (8 * i)) & 0xff);
  }
}

// The shape of a static-pie: ET_DYN with a dynamic section (for its own
// relocations) but no PT_INTERP and no DT_NEEDED. Our toolchain links
// ET_EXEC, so the case is built by hand.
std::string StaticPieImage() {
  constexpr size_t kPhoff = 64, kPhent = 56, kDynamic = kPhoff + 2 * kPhent;
  constexpr size_t kSize = kDynamic + 2 * 16;
  std::string bytes(kSize, '\0');
  bytes.replace(0, 4,
                "\x7f"
                "ELF");
  bytes[4] = 2;               // ELFCLASS64
  bytes[5] = 1;               // little endian
  Put(bytes, 16, 3, 2);       // e_type = ET_DYN
  Put(bytes, 18, 62, 2);      // e_machine = EM_X86_64
  Put(bytes, 32, kPhoff, 8);  // e_phoff
  Put(bytes, 54, kPhent, 2);  // e_phentsize
  Put(bytes, 56, 2, 2);       // e_phnum
  size_t load = kPhoff;       // PT_LOAD: the whole file at vaddr 0
  Put(bytes, load, 1, 4);
  Put(bytes, load + 32, kSize, 8);   // p_filesz
  Put(bytes, load + 40, kSize, 8);   // p_memsz
  size_t dynamic = kPhoff + kPhent;  // PT_DYNAMIC
  Put(bytes, dynamic, 2, 4);
  Put(bytes, dynamic + 8, kDynamic, 8);   // p_offset
  Put(bytes, dynamic + 16, kDynamic, 8);  // p_vaddr
  Put(bytes, dynamic + 32, 32, 8);        // p_filesz
  Put(bytes, kDynamic, 5, 8);             // DT_STRTAB = vaddr 0; then DT_NULL
  return bytes;
}

TEST(ElfInfo, StaticPieIsStaticAndSaysSo) {
  auto info = ParseElf(StaticPieImage());
  ASSERT_TRUE(info.ok()) << info.message();
  EXPECT_EQ(info->machine, "x86_64");
  EXPECT_TRUE(info->is_shared_object);
  EXPECT_TRUE(info->has_dynamic_section);
  EXPECT_TRUE(info->IsStatic());
  EXPECT_TRUE(info->IsStaticPie());
}

TEST(ElfInfo, NonPieStaticBinaryIsNotStaticPie) {
  auto info = ReadElf(Env("STATIC_BINARY"));
  ASSERT_TRUE(info.ok()) << info.message();
  EXPECT_TRUE(info->is_executable);
  EXPECT_FALSE(info->IsStaticPie());
}

}  // namespace
}  // namespace staticship::elfcheck
