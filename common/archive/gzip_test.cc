#include "common/archive/gzip.h"

#include <gtest/gtest.h>

#include <string>

namespace staticship::archive {
namespace {

std::string Lines(int n) {
  std::string data;
  for (int i = 0; i < n; ++i) data += "line " + std::to_string(i) + "\n";
  return data;
}

TEST(GzipTest, RoundTripsAndIsDeterministic) {
  const std::string data = Lines(1000);
  auto a = GzipCompress(data, 6);
  auto b = GzipCompress(data, 6);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_LT(a->size(), data.size() / 3);
  auto back = Inflate(*a);
  ASSERT_TRUE(back.ok()) << back.message();
  EXPECT_EQ(*back, data);
}

TEST(GzipTest, HeaderHasNoNameNoTimeUnixOs) {
  auto gz = GzipCompress("hello", 6);
  ASSERT_TRUE(gz.ok());
  EXPECT_EQ(gz->substr(0, 10),
            std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10));
  auto empty = GzipCompress("", 9);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*Inflate(*empty), "");
}

TEST(GzipTest, DecompressesMembersInARowAndZlib) {
  std::string data(100000, 'a');
  for (size_t i = 0; i < data.size(); i += 7) data[i] = static_cast<char>(i);
  const std::string gz = *GzipCompress(data, 6);
  auto two = Inflate(gz + *GzipCompress("tail", 1));
  ASSERT_TRUE(two.ok()) << two.message();
  EXPECT_EQ(*two, data + "tail");
  // zlib framing (RFC 1950) of "a": what zlib's compress() writes.
  EXPECT_EQ(*Inflate(std::string("\x78\x9c\x4b\x04\x00\x00\x62\x00\x62", 9)),
            "a");
}

TEST(GzipTest, RejectsTruncatedAndCorruptInput) {
  const std::string gz = *GzipCompress(Lines(1000), 6);
  auto truncated = Inflate(gz.substr(0, gz.size() / 2));
  ASSERT_FALSE(truncated.ok());
  EXPECT_EQ(truncated.message(),
            "not valid gzip or zlib data (truncated or corrupt)");
  EXPECT_FALSE(Inflate("not gzip at all").ok());
  EXPECT_FALSE(Inflate("").ok());
  std::string corrupt = gz;
  corrupt[corrupt.size() - 6] ^= 0x55;  // the CRC-32 in the trailer
  EXPECT_FALSE(Inflate(corrupt).ok());
}

TEST(DeflaterTest, ZlibFormatIsWhatCompressWrites) {
  auto deflater = Deflater::Create(6, Deflater::Format::kZlib);
  ASSERT_TRUE(deflater.ok());
  std::string out;
  ASSERT_TRUE(deflater->Compress("a", Deflater::Flush::kFinish, out).ok());
  EXPECT_EQ(out, std::string("\x78\x9c\x4b\x04\x00\x00\x62\x00\x62", 9));
  EXPECT_EQ(*Inflate(out), "a");
}

TEST(GzipTest, RejectsBadLevels) {
  EXPECT_FALSE(GzipCompress("x", 0).ok());
  EXPECT_FALSE(GzipCompress("x", 10).ok());
  EXPECT_FALSE(Deflater::Create(0, Deflater::Format::kRaw).ok());
}

TEST(Crc32Test, KnownValueAndCombination) {
  EXPECT_EQ(Crc32("123456789"), 0xcbf43926u);  // the CRC-32 check value
  EXPECT_EQ(Crc32(""), 0u);
  EXPECT_EQ(Crc32("6789", Crc32("12345")), 0xcbf43926u);
  EXPECT_EQ(Crc32Combine(Crc32("12345"), Crc32("6789"), 4), 0xcbf43926u);
}

// Raw pieces, each but the last ended by a sync flush and primed with what
// precedes it, concatenate into one stream: what a parallel gzip writes.
TEST(DeflaterTest, RawSyncFlushedPiecesMakeOneStream) {
  const std::string data = Lines(20000);
  const size_t half = data.size() / 2;
  auto deflater = Deflater::Create(6, Deflater::Format::kRaw);
  ASSERT_TRUE(deflater.ok()) << deflater.message();
  std::string body;
  ASSERT_TRUE(deflater
                  ->Compress(std::string_view(data).substr(0, half),
                             Deflater::Flush::kSync, body)
                  .ok());
  ASSERT_TRUE(deflater->Reset().ok());
  ASSERT_TRUE(deflater->SetDictionary(data.substr(half - 32768, 32768)).ok());
  ASSERT_TRUE(deflater
                  ->Compress(std::string_view(data).substr(half),
                             Deflater::Flush::kFinish, body)
                  .ok());
  std::string gz("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10);
  gz += body;
  for (uint32_t word : {Crc32(data), static_cast<uint32_t>(data.size())}) {
    for (int i = 0; i < 4; ++i)
      gz += static_cast<char>((word >> (8 * i)) & 0xff);
  }
  auto back = Inflate(gz);
  ASSERT_TRUE(back.ok()) << back.message();
  EXPECT_EQ(*back, data);
}

TEST(DeflaterTest, GzipFormatMatchesGzipCompressAndMoves) {
  auto deflater = Deflater::Create(9, Deflater::Format::kGzip);
  ASSERT_TRUE(deflater.ok());
  Deflater moved = std::move(*deflater);
  std::string out = "prefix:";
  ASSERT_TRUE(moved.Compress("abc", Deflater::Flush::kFinish, out).ok());
  EXPECT_EQ(out, "prefix:" + *GzipCompress("abc", 9));
}

}  // namespace
}  // namespace staticship::archive
