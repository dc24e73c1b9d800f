#include "release/common/sha256.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

namespace staticship::release {
namespace {

// Vectors from NIST FIPS 180-4 examples / CAVP SHA256ShortMsg+LongMsg.
TEST(Sha256Test, EmptyString) {
  EXPECT_EQ(Sha256Hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Sha256Test, Abc) {
  EXPECT_EQ(Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256Test, TwoBlockMessage) {
  EXPECT_EQ(
      Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256Test, FourBlockMessage) {
  EXPECT_EQ(
      Sha256Hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklm"
                "noijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"),
      "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

TEST(Sha256Test, OneMillionAsInOddChunks) {
  const std::string million(1'000'000, 'a');
  Sha256 hasher;
  std::size_t offset = 0;
  std::size_t chunk = 1;
  while (offset < million.size()) {
    const std::size_t take = std::min(chunk, million.size() - offset);
    hasher.Update(million.data() + offset, take);
    offset += take;
    chunk = chunk * 3 % 1000 + 1;  // odd sizes cross block boundaries
  }
  EXPECT_EQ(hasher.bytes_hashed(), 1'000'000u);
  EXPECT_EQ(hasher.FinishHex(),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256Test, PaddingBoundaries) {
  // 55, 56 and 64 bytes exercise the one- and two-block padding paths.
  EXPECT_EQ(Sha256Hex(std::string(55, 'a')),
            "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
  EXPECT_EQ(Sha256Hex(std::string(56, 'a')),
            "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
  EXPECT_EQ(Sha256Hex(std::string(64, 'a')),
            "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
}

// Both engines must agree on every length around the block boundaries and
// on a long message (the hardware path is used by default where available).
TEST(Sha256Test, HardwareAndPortableAgree) {
  std::string data;
  for (int i = 0; i < 5000; ++i)
    data += static_cast<char>((i * 131) ^ (i >> 3));
  for (std::size_t len :
       {0u, 1u, 55u, 56u, 63u, 64u, 65u, 127u, 128u, 1000u, 4999u, 5000u}) {
    Sha256 portable(Sha256::Engine::kPortable);
    Sha256 automatic;
    portable.Update(data.substr(0, len));
    automatic.Update(data.substr(0, len));
    EXPECT_EQ(portable.FinishHex(), automatic.FinishHex()) << len;
  }
  Sha256 portable(Sha256::Engine::kPortable);
  portable.Update("abc");
  EXPECT_EQ(portable.FinishHex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  std::printf("sha256 hardware engine: %s\n",
              Sha256HardwareAvailable() ? "yes" : "no");
}

TEST(Sha256Test, ResetStartsOver) {
  Sha256 hasher;
  hasher.Update("garbage");
  hasher.Reset();
  hasher.Update("abc");
  EXPECT_EQ(hasher.FinishDigest(),
            "sha256:"
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256Test, FileDigestMatchesBytes) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string path =
      std::string(tmp ? tmp : "/tmp") + "/sha256_test_file.bin";
  {
    std::ofstream out(path, std::ios::binary);
    out << "abc";
  }
  const auto digest = Sha256FileDigest(path);
  ASSERT_TRUE(digest.ok()) << digest.message();
  EXPECT_EQ(*digest, Sha256Digest("abc"));
  EXPECT_FALSE(Sha256FileDigest(path + ".missing").ok());
}

TEST(Sha256Test, DigestValidation) {
  const std::string good = Sha256Digest("x");
  EXPECT_TRUE(IsSha256Digest(good));
  EXPECT_EQ(DigestHex(good), good.substr(7));
  EXPECT_FALSE(IsSha256Digest("sha256:ABC"));
  EXPECT_FALSE(IsSha256Digest("sha512:" + good.substr(7)));
  std::string upper = good;
  upper[10] = 'A';
  EXPECT_FALSE(IsSha256Digest(upper));
  EXPECT_FALSE(IsSha256Digest("sha256:../../../etc/passwd"));
}

}  // namespace
}  // namespace staticship::release
