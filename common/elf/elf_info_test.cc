#include "common/elf/elf_info.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace staticship::elf {
namespace {

// Builds small ELF images by hand, for the shapes no toolchain here links:
// a static-pie, a shared library with a soname, 32-bit big-endian.
class ImageBuilder {
 public:
  ImageBuilder(bool wide, bool little_endian)
      : wide_(wide), little_(little_endian) {}

  // A file with a header, `segments` program headers and `tail` bytes.
  std::string Make(uint16_t type, uint16_t machine, int segments, size_t tail) {
    bytes_.assign(Phoff() + segments * Phent() + tail, '\0');
    bytes_.replace(0, 4,
                   "\x7f"
                   "ELF");
    bytes_[4] = wide_ ? 2 : 1;
    bytes_[5] = little_ ? 1 : 2;
    Put(16, type, 2);
    Put(18, machine, 2);
    Put(wide_ ? 32 : 28, Phoff(), Word());
    Put(wide_ ? 54 : 42, Phent(), 2);
    Put(wide_ ? 56 : 44, static_cast<uint64_t>(segments), 2);
    return bytes_;
  }
  // Program header i: type, file offset (= vaddr) and size.
  void Segment(int i, uint32_t type, uint64_t offset, uint64_t size) {
    const size_t at = Phoff() + i * Phent();
    Put(at, type, 4);
    Put(at + (wide_ ? 8 : 4), offset, Word());
    Put(at + (wide_ ? 16 : 8), offset, Word());
    Put(at + (wide_ ? 32 : 16), size, Word());
  }
  void Dynamic(size_t at, const std::vector<std::pair<uint64_t, uint64_t>>& e) {
    for (const auto& [tag, value] : e) {
      Put(at, tag, Word());
      Put(at + Word(), value, Word());
      at += 2 * Word();
    }
  }
  void Text(size_t at, std::string_view text) {
    bytes_.replace(at, text.size(), text);
  }
  size_t DataStart(int segments) const { return Phoff() + segments * Phent(); }
  int Word() const { return wide_ ? 8 : 4; }
  const std::string& bytes() const { return bytes_; }

 private:
  size_t Phoff() const { return wide_ ? 64 : 52; }
  size_t Phent() const { return wide_ ? 56 : 32; }
  void Put(size_t at, uint64_t value, int width) {
    for (int i = 0; i < width; ++i) {
      const int shift = 8 * (little_ ? i : width - 1 - i);
      bytes_[at + i] = static_cast<char>((value >> shift) & 0xff);
    }
  }

  bool wide_;
  bool little_;
  std::string bytes_;
};

// The shape of a static-pie: ET_DYN with a dynamic section (for its own
// relocations) but no PT_INTERP and no DT_NEEDED.
TEST(ElfInfoTest, StaticPieIsStaticAndSaysSo) {
  ImageBuilder b(/*wide=*/true, /*little_endian=*/true);
  b.Make(/*ET_DYN*/ 3, /*EM_X86_64*/ 62, 2, 32);
  const size_t dynamic = b.DataStart(2);
  b.Segment(0, /*PT_LOAD*/ 1, 0, b.bytes().size());
  b.Segment(1, /*PT_DYNAMIC*/ 2, dynamic, 32);
  b.Dynamic(dynamic, {{/*DT_STRTAB*/ 5, 0}});
  Result<ElfInfo> info = ParseElf(b.bytes());
  ASSERT_TRUE(info.ok()) << info.message();
  EXPECT_EQ(info->machine, "x86_64");
  EXPECT_EQ(info->e_machine, 62);
  EXPECT_TRUE(info->is_64_bit);
  EXPECT_TRUE(info->is_shared_object);
  EXPECT_TRUE(info->has_dynamic_section);
  EXPECT_TRUE(info->IsStatic());
  EXPECT_TRUE(info->IsStaticPie());
}

// A shared library: its soname and its own DT_NEEDED, as shipctl pack
// follows them through a dynamic binary's closure.
TEST(ElfInfoTest, SharedLibraryNamesItselfAndItsNeeds) {
  ImageBuilder b(true, true);
  const std::string strings = std::string("\0libm.so.6\0libc.so.6\0", 21);
  b.Make(3, /*EM_AARCH64*/ 183, 2, 4 * 16 + strings.size());
  const size_t dynamic = b.DataStart(2);
  const size_t strtab = dynamic + 4 * 16;
  b.Segment(0, 1, 0, b.bytes().size());
  b.Segment(1, 2, dynamic, 4 * 16);
  b.Dynamic(dynamic, {{/*DT_SONAME*/ 14, 1},
                      {/*DT_NEEDED*/ 1, 11},
                      {/*DT_STRTAB*/ 5, strtab},
                      {/*DT_NULL*/ 0, 0}});
  b.Text(strtab, strings);
  Result<ElfInfo> info = ParseElf(b.bytes());
  ASSERT_TRUE(info.ok()) << info.message();
  EXPECT_EQ(info->machine, "aarch64");
  EXPECT_EQ(info->e_machine, 183);
  EXPECT_EQ(info->soname, "libm.so.6");
  EXPECT_EQ(info->needed, std::vector<std::string>{"libc.so.6"});
  EXPECT_TRUE(info->interpreter.empty());
  EXPECT_FALSE(info->IsStatic());
}

TEST(ElfInfoTest, ReadsThirtyTwoBitBigEndian) {
  ImageBuilder b(/*wide=*/false, /*little_endian=*/false);
  const std::string interp = std::string("/lib/ld.so.1\0", 13);
  b.Make(/*ET_EXEC*/ 2, /*EM_PPC*/ 20, 2, interp.size());
  const size_t at = b.DataStart(2);
  b.Segment(0, 1, 0, b.bytes().size());
  b.Segment(1, /*PT_INTERP*/ 3, at, interp.size());
  b.Text(at, interp);
  Result<ElfInfo> info = ParseElf(b.bytes());
  ASSERT_TRUE(info.ok()) << info.message();
  EXPECT_FALSE(info->is_64_bit);
  EXPECT_TRUE(info->is_executable);
  EXPECT_EQ(info->machine, "e_machine=20");
  EXPECT_EQ(info->interpreter, "/lib/ld.so.1");
  EXPECT_FALSE(info->IsStatic());
}

TEST(ElfInfoTest, DynamicEntriesWithoutAStringTableAreAnError) {
  ImageBuilder b(true, true);
  b.Make(3, 62, 2, 32);
  const size_t dynamic = b.DataStart(2);
  b.Segment(0, 1, 0, b.bytes().size());
  b.Segment(1, 2, dynamic, 32);
  b.Dynamic(dynamic, {{/*DT_NEEDED*/ 1, 1}, {0, 0}});
  Result<ElfInfo> info = ParseElf(b.bytes());
  ASSERT_FALSE(info.ok());
  EXPECT_NE(info.message().find("DT_STRTAB"), std::string::npos);
}

// The test binary itself, static (musl) or dynamic (--config=dynamic).
TEST(ElfInfoTest, ReadsItself) {
  Result<ElfInfo> info = ReadElf("/proc/self/exe");
  ASSERT_TRUE(info.ok()) << info.message();
  EXPECT_TRUE(info->machine == "x86_64" || info->machine == "aarch64");
  EXPECT_TRUE(info->is_64_bit);
  if (info->interpreter.empty()) {
    EXPECT_TRUE(info->IsStatic());
  } else {
    EXPECT_FALSE(info->needed.empty());
  }
}

// A host binary is always dynamic, whatever this test was built as: the
// dynamic branch runs in every configuration.
TEST(ElfInfoTest, HostBinaryIsDynamic) {
  Result<ElfInfo> info = ReadElf("/bin/true");
  ASSERT_TRUE(info.ok()) << info.message();
  EXPECT_FALSE(info->interpreter.empty());
  EXPECT_NE(info->interpreter.find("ld-linux"), std::string::npos);
  ASSERT_FALSE(info->needed.empty());
  EXPECT_EQ(info->needed.front(), "libc.so.6");
  EXPECT_TRUE(info->soname.empty());
  EXPECT_FALSE(info->IsStatic());
}

TEST(ElfInfoTest, RejectsNonElfInput) {
  Result<ElfInfo> info = ParseElf("#!/bin/sh\necho hi\n");
  ASSERT_FALSE(info.ok());
  EXPECT_NE(info.message().find("not an ELF"), std::string::npos);
  EXPECT_FALSE(ParseElf("\x7f"
                        "ELF")
                   .ok());
  Result<ElfInfo> missing = ReadElf("/nonexistent/binary");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.message().find("/nonexistent/binary"), std::string::npos);
}

TEST(ElfInfoTest, TruncatedFileIsAnErrorNotACrash) {
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

TEST(ElfInfoTest, ProgramHeadersPastTheEndAreReported) {
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
}  // namespace staticship::elf
