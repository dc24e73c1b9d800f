#include "common/diagnostics/memory_map.h"

#include <gtest/gtest.h>

namespace staticship::diagnostics {
namespace {

[[gnu::noinline]] int MemoryMapTestCode() { return 7; }

TEST(MemoryMapTest, ParsesMapsLines) {
  auto maps = ParseMemoryMap(
      "00200000-00243000 r--p 00000000 08:01 123   /usr/local/bin/gw\n"
      "00243000-002f0000 r-xp 00042000 08:01 123   /usr/local/bin/gw "
      "(deleted)\n"
      "7ffd1000-7ffd2000 rw-p 00000000 00:00 0\n"
      "7ffe0000-7ffe2000 r-xp 00000000 00:00 0                          "
      "[vdso]\n");
  ASSERT_TRUE(maps.ok()) << maps.message();
  ASSERT_EQ(maps->size(), 4u);
  const Mapping& text = (*maps)[1];
  EXPECT_EQ(text.start, 0x243000u);
  EXPECT_EQ(text.end, 0x2f0000u);
  EXPECT_EQ(text.offset, 0x42000u);
  EXPECT_TRUE(text.readable);
  EXPECT_FALSE(text.writable);
  EXPECT_TRUE(text.executable);
  EXPECT_EQ(text.path, "/usr/local/bin/gw (deleted)");
  EXPECT_EQ((*maps)[2].path, "");
  EXPECT_TRUE((*maps)[2].writable);
  EXPECT_EQ((*maps)[3].path, "[vdso]");
}

TEST(MemoryMapTest, MalformedLineIsAnError) {
  auto maps = ParseMemoryMap("00200000-00243000 r--p 0 08:01 1 /a\nbogus\n");
  EXPECT_FALSE(maps.ok());
  EXPECT_NE(maps.message().find("line 2"), std::string::npos);
}

TEST(MemoryMapTest, OurCodeIsInAnExecutableMappingOfTheProgram) {
  auto maps = ReadSelfMemoryMap();
  ASSERT_TRUE(maps.ok()) << maps.message();
  const auto pc = reinterpret_cast<uintptr_t>(&MemoryMapTestCode);
  const Mapping* holder = nullptr;
  for (const Mapping& m : *maps) {
    if (pc >= m.start && pc < m.end) holder = &m;
  }
  ASSERT_NE(holder, nullptr);
  EXPECT_TRUE(holder->executable);

  std::vector<LoadedObject> objects = ListLoadedObjects();
  ASSERT_FALSE(objects.empty());
  const LoadedObject& main = objects[0];
  EXPECT_TRUE(main.is_main);
  EXPECT_EQ(main.path, holder->path);
  EXPECT_GE(pc, main.text_start);
  EXPECT_LT(pc, main.text_end);
  EXPECT_EQ(main.build_id.size(), 40u);  // --build-id=sha1
  EXPECT_EQ(MemoryMapTestCode(), 7);
}

}  // namespace
}  // namespace staticship::diagnostics
