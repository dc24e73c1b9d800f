// Proves the pinned zlib and GoogleTest build from source with the hermetic
// toolchain and link into a static test binary that works.
#include <zlib.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace {

std::string Compress(const std::string& input, int level) {
  uLongf size = compressBound(input.size());
  std::vector<Bytef> out(size);
  EXPECT_EQ(
      compress2(out.data(), &size, reinterpret_cast<const Bytef*>(input.data()),
                input.size(), level),
      Z_OK);
  return std::string(reinterpret_cast<const char*>(out.data()), size);
}

std::string Uncompress(const std::string& input, size_t original_size) {
  uLongf size = original_size;
  std::vector<Bytef> out(size);
  EXPECT_EQ(
      uncompress(out.data(), &size,
                 reinterpret_cast<const Bytef*>(input.data()), input.size()),
      Z_OK);
  return std::string(reinterpret_cast<const char*>(out.data()), size);
}

TEST(ZlibRoundTrip, RestoresTheOriginalBytes) {
  std::string input;
  for (int i = 0; i < 10000; ++i)
    input += "staticship-" + std::to_string(i % 97);
  const std::string packed = Compress(input, Z_BEST_COMPRESSION);
  EXPECT_LT(packed.size(), input.size() / 4);
  EXPECT_EQ(Uncompress(packed, input.size()), input);
}

TEST(ZlibRoundTrip, IsTheLockedVersion) {
  EXPECT_STREQ(zlibVersion(), LOCKED_ZLIB_VERSION);
}

TEST(ZlibRoundTrip, DetectsCorruption) {
  std::string packed = Compress("hello hello hello hello", 6);
  packed[packed.size() / 2] ^= 0x5a;
  uLongf size = 64;
  std::vector<Bytef> out(size);
  EXPECT_NE(
      uncompress(out.data(), &size,
                 reinterpret_cast<const Bytef*>(packed.data()), packed.size()),
      Z_OK);
}

}  // namespace
