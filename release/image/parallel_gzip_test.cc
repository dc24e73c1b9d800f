#include "release/image/parallel_gzip.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <random>
#include <string>

#include "release/common/sha256.h"

namespace staticship::release {
namespace {

std::string Inflate(const std::string& gz) {
  z_stream s{};
  EXPECT_EQ(inflateInit2(&s, 15 + 16), Z_OK);
  std::string out(1 << 20, '\0');
  std::string result;
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  s.avail_in = static_cast<uInt>(gz.size());
  int rc = Z_OK;
  while (rc == Z_OK) {
    s.next_out = reinterpret_cast<Bytef*>(out.data());
    s.avail_out = static_cast<uInt>(out.size());
    rc = inflate(&s, Z_NO_FLUSH);
    result.append(out.data(), out.size() - s.avail_out);
  }
  EXPECT_EQ(rc, Z_STREAM_END);
  EXPECT_EQ(s.avail_in, 0u);  // one member, nothing trailing
  inflateEnd(&s);
  return result;
}

// What zlib itself writes with windowBits 15+16 and no gz_header.
std::string ZlibGzip(const std::string& input, int level) {
  z_stream s{};
  EXPECT_EQ(deflateInit2(&s, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY),
            Z_OK);
  std::string out(deflateBound(&s, input.size()), '\0');
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  s.avail_in = static_cast<uInt>(input.size());
  s.next_out = reinterpret_cast<Bytef*>(out.data());
  s.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&s, Z_FINISH), Z_STREAM_END);
  out.resize(out.size() - s.avail_out);
  deflateEnd(&s);
  return out;
}

// Compressible but not trivial: words drawn from a fixed-seed generator.
std::string SampleData(std::size_t size) {
  const std::string kWords[] = {"layer ",
                                "image ",
                                "static ",
                                "musl ",
                                "digest ",
                                std::string("\x7f"
                                            "ELF"),
                                std::string("\0\0\0\0", 4),
                                "zig "};
  std::mt19937 rng(42);
  std::string out;
  while (out.size() < size) out += kWords[rng() % 8];
  out.resize(size);
  return out;
}

TEST(ParallelGzipTest, SingleBlockEqualsZlibByteForByte) {
  const std::string input = SampleData(20000);
  for (int level : {1, 6, 9}) {
    auto gz = GzipParallel(input, {level, 128 * 1024, 2});
    ASSERT_TRUE(gz.ok()) << gz.message();
    EXPECT_EQ(gz->compressed, ZlibGzip(input, level)) << "level " << level;
  }
}

TEST(ParallelGzipTest, HeaderHasNoNameNoTimeUnixOs) {
  auto gz = GzipParallel("hello", {6, 128 * 1024, 1});
  ASSERT_TRUE(gz.ok());
  EXPECT_EQ(gz->compressed.substr(0, 10),
            std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10));
}

TEST(ParallelGzipTest, EmptyInput) {
  auto gz = GzipParallel("", {6, 128 * 1024, 4});
  ASSERT_TRUE(gz.ok());
  EXPECT_EQ(gz->compressed, ZlibGzip("", 6));
  EXPECT_EQ(Inflate(gz->compressed), "");
}

TEST(ParallelGzipTest, MultiBlockRoundTripsAndDigestsMatch) {
  const std::string input = SampleData(1'000'003);  // not a block multiple
  auto gz = GzipParallel(input, {6, 64 * 1024, 3});
  ASSERT_TRUE(gz.ok()) << gz.message();
  EXPECT_EQ(Inflate(gz->compressed), input);
  EXPECT_EQ(gz->uncompressed_digest, Sha256Digest(input));
  EXPECT_EQ(gz->compressed_digest, Sha256Digest(gz->compressed));
  EXPECT_EQ(gz->crc32, crc32(0, reinterpret_cast<const Bytef*>(input.data()),
                             static_cast<uInt>(input.size())));
  // Within 1% of one zlib stream thanks to the 32 KiB dictionaries.
  EXPECT_LT(gz->compressed.size(), ZlibGzip(input, 6).size() * 101 / 100);
}

TEST(ParallelGzipTest, OutputIndependentOfThreadCount) {
  const std::string input = SampleData(700'000);
  auto one = GzipParallel(input, {4, 128 * 1024, 1});
  ASSERT_TRUE(one.ok());
  for (unsigned threads : {2u, 3u, 8u, 0u}) {
    auto many = GzipParallel(input, {4, 128 * 1024, threads});
    ASSERT_TRUE(many.ok());
    EXPECT_EQ(many->compressed, one->compressed) << threads << " threads";
  }
}

TEST(ParallelGzipTest, RejectsBadOptions) {
  EXPECT_FALSE(GzipParallel("x", {0, 128 * 1024, 1}).ok());
  EXPECT_FALSE(GzipParallel("x", {10, 128 * 1024, 1}).ok());
  EXPECT_FALSE(GzipParallel("x", {6, 1024, 1}).ok());
}

}  // namespace
}  // namespace staticship::release
