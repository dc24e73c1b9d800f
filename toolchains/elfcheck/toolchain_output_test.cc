// What our toolchain links, read back with the parser elfcheck uses (the
// parser's own tests are in common/elf).
#include <cstdlib>
#include <string>

#include "common/elf/elf_info.h"
#include "gtest/gtest.h"

namespace staticship::elf {
namespace {

// The path of a real binary of ours comes from the BUILD file.
std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

TEST(ToolchainOutput, OurToolchainGivesAFullyStaticBinary) {
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

TEST(ToolchainOutput, NonPieStaticBinaryIsNotStaticPie) {
  auto info = ReadElf(Env("STATIC_BINARY"));
  ASSERT_TRUE(info.ok()) << info.message();
  EXPECT_TRUE(info->is_executable);
  EXPECT_FALSE(info->IsStaticPie());
}

}  // namespace
}  // namespace staticship::elf
