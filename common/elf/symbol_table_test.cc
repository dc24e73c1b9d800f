#include "common/elf/symbol_table.h"

#include <elf.h>
#include <gtest/gtest.h>
#include <link.h>

#include <cstring>
#include <string>

#include "common/base/file.h"

namespace staticship::elf {
namespace {

// A function whose address the test looks up in its own binary.
[[gnu::noinline]] int SymbolTableTestMarker(int x) {
  asm volatile("" ::: "memory");  // keep it a real function
  return x * 3 + 1;
}

struct MainObject {
  uintptr_t bias = 0;
  std::string build_id;  // read from the loaded PT_NOTE, not from the file
};

// The first object dl_iterate_phdr reports is the program itself.
MainObject LoadedMain() {
  MainObject main;
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* data) {
        auto* out = static_cast<MainObject*>(data);
        out->bias = info->dlpi_addr;
        for (int i = 0; i < info->dlpi_phnum; ++i) {
          const ElfW(Phdr)& ph = info->dlpi_phdr[i];
          if (ph.p_type != PT_NOTE) continue;
          const char* p =
              reinterpret_cast<const char*>(info->dlpi_addr + ph.p_vaddr);
          const char* end = p + ph.p_memsz;
          while (p + 12 <= end) {
            uint32_t namesz, descsz, type;
            std::memcpy(&namesz, p, 4);
            std::memcpy(&descsz, p + 4, 4);
            std::memcpy(&type, p + 8, 4);
            const char* desc = p + 12 + ((namesz + 3) & ~3u);
            if (type == NT_GNU_BUILD_ID) {
              out->build_id = HexString(std::string_view(desc, descsz));
            }
            p = desc + ((descsz + 3) & ~3u);
          }
        }
        return 1;  // only the first object
      },
      &main);
  return main;
}

TEST(SymbolTableTest, FindsAFunctionOfThisBinary) {
  Result<std::string> bytes = ReadWholeFile("/proc/self/exe");
  ASSERT_TRUE(bytes.ok()) << bytes.message();
  Result<SymbolTable> table = SymbolTable::Parse(*bytes);
  ASSERT_TRUE(table.ok()) << table.message();
  ASSERT_FALSE(table->empty());
  const uint64_t at =
      reinterpret_cast<uintptr_t>(&SymbolTableTestMarker) - LoadedMain().bias;
  for (uint64_t offset : {uint64_t{0}, uint64_t{1}}) {
    const FunctionSymbol* f = table->Find(at + offset);
    ASSERT_NE(f, nullptr);
    EXPECT_NE(f->name.find("SymbolTableTestMarker"), std::string::npos)
        << f->name;
    EXPECT_EQ(f->address, at);
  }
  EXPECT_EQ(SymbolTableTestMarker(1), 4);
  EXPECT_EQ(table->Find(0), nullptr);
}

TEST(SymbolTableTest, BuildIdMatchesTheLoadedNote) {
  Result<std::string> bytes = ReadWholeFile("/proc/self/exe");
  ASSERT_TRUE(bytes.ok()) << bytes.message();
  Result<std::string> id = ReadBuildId(*bytes);
  ASSERT_TRUE(id.ok()) << id.message();
  // The toolchains link with --build-id=sha1: 20 bytes.
  EXPECT_EQ(id->size(), 40u) << *id;
  EXPECT_EQ(*id, LoadedMain().build_id);
}

TEST(SymbolTableTest, RejectsWhatIsNotElf) {
  EXPECT_EQ(SymbolTable::Parse("hello").code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(ReadBuildId("").code(), ErrorCode::kInvalidArgument);
}

TEST(SymbolTableTest, TruncatedFileIsAnErrorNotACrash) {
  Result<std::string> bytes = ReadWholeFile("/proc/self/exe");
  ASSERT_TRUE(bytes.ok()) << bytes.message();
  // The section headers sit at the end of the file: cut into them.
  std::string cut = bytes->substr(0, bytes->size() - 100);
  Result<SymbolTable> table = SymbolTable::Parse(cut);
  EXPECT_FALSE(table.ok());
  EXPECT_EQ(table.code(), ErrorCode::kDataLoss);
}

TEST(SymbolTableTest, NoSectionHeadersMeansNoSymbols) {
  std::string header(sizeof(Elf64_Ehdr), '\0');
  std::memcpy(header.data(), ELFMAG, SELFMAG);
  header[EI_CLASS] = ELFCLASS64;
  header[EI_DATA] = ELFDATA2LSB;
  Result<SymbolTable> table = SymbolTable::Parse(header);
  ASSERT_TRUE(table.ok()) << table.message();
  EXPECT_TRUE(table->empty());
  EXPECT_EQ(ReadBuildId(header).value(), "");
}

TEST(SymbolTableTest, HexString) {
  EXPECT_EQ(HexString(std::string_view("\x00\xff\x1a", 3)), "00ff1a");
}

}  // namespace
}  // namespace staticship::elf
