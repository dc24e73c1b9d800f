// The zlib wrapper every deflate user shares: the gateway's response
// compression, shipctl's parallel layer compression, the deploy's layer
// unpacking and the scheduler's snapshots and log records. zlib's z_stream
// stays in gzip.cc; callers see bytes.
#ifndef STATICSHIP_COMMON_ARCHIVE_GZIP_H_
#define STATICSHIP_COMMON_ARCHIVE_GZIP_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/base/result.h"

struct z_stream_s;

namespace staticship::archive {

// gzip (RFC 1952) with no file name and MTIME 0, so the bytes depend only
// on the input and the level (1..9).
Result<std::string> GzipCompress(std::string_view data, int level);

// Inflates gzip or zlib data; several gzip members in a row (as pigz and
// `cat a.gz b.gz` make) inflate to their concatenation. Truncated or corrupt
// input is an error.
Result<std::string> Inflate(std::string_view data);

// CRC-32 (the gzip trailer's) of `data`, continuing from `crc`.
std::uint32_t Crc32(std::string_view data, std::uint32_t crc = 0);
// The CRC-32 of A followed by B, from crc(A), crc(B) and B's length.
std::uint32_t Crc32Combine(std::uint32_t crc_a, std::uint32_t crc_b,
                           std::uint64_t size_b);

// One zlib deflate stream, reusable through Reset() (cheaper than a new
// stream per block and the same bytes).
class Deflater {
 public:
  enum class Format {
    kGzip,  // RFC 1952 header and trailer
    kZlib,  // RFC 1950 header and Adler-32, what zlib's compress() writes
    kRaw,   // bare deflate, for callers that write their own framing
  };
  enum class Flush {
    kSync,    // end on a byte boundary; the stream continues
    kFinish,  // end the stream
  };

  static Result<Deflater> Create(int level, Format format);
  Deflater(Deflater&&) noexcept;
  Deflater& operator=(Deflater&&) noexcept;
  ~Deflater();

  // Starts a new stream with the same settings.
  Status Reset();
  // Primes the stream with data that precedes the input (a raw stream only,
  // right after Create() or Reset()).
  Status SetDictionary(std::string_view dictionary);
  // Compresses all of `input` and appends the output to `out`.
  Status Compress(std::string_view input, Flush flush, std::string& out);

 private:
  explicit Deflater(std::unique_ptr<z_stream_s> stream);
  // zlib's state points back at the z_stream, so it never moves: owned
  // through a pointer.
  std::unique_ptr<z_stream_s> stream_;
};

}  // namespace staticship::archive

#endif  // STATICSHIP_COMMON_ARCHIVE_GZIP_H_
