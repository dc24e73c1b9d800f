// Parallel, deterministic gzip (RFC 1952) in the style of pigz.
//
// zlib on one core is the bottleneck of packing an image, so the input is cut
// into fixed-size blocks that worker threads deflate independently, each
// primed with the previous 32 KiB as a dictionary (so the ratio stays within
// a fraction of a percent of single-stream zlib). Every block but the last
// ends with Z_SYNC_FLUSH on a byte boundary, so the raw deflate pieces
// concatenate into one valid stream; the CRC-32 of the whole is combined from
// the per-block CRCs with crc32_combine.
//
// The output depends only on the input, the level and the block size, never
// on the thread count or scheduling. The header carries no name, MTIME 0 and
// OS 3 (Unix), as zlib writes with no gz_header.
//
// While the workers compress, the calling thread computes the sha256 of the
// uncompressed bytes (the layer's diff_id) and then of the compressed bytes in
// order (the layer digest), so no pass over the data is repeated.
#ifndef STATICSHIP_RELEASE_IMAGE_PARALLEL_GZIP_H_
#define STATICSHIP_RELEASE_IMAGE_PARALLEL_GZIP_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/base/result.h"

namespace staticship::release {

struct GzipOptions {
  // zlib level 1..9. 4 is the measured sweet spot for static binaries
  // (docs/perf-image.md): busybox-static compresses 3% smaller than umoci's
  // layer for half the CPU of level 6, which only gains another 2%.
  int level = 4;
  std::size_t block_size = 128 * 1024;  // pigz's default
  unsigned threads = 0;                 // 0: hardware concurrency
};

struct GzipOutput {
  std::string compressed;
  std::string compressed_digest;    // "sha256:…" of `compressed`
  std::string uncompressed_digest;  // "sha256:…" of the input
  std::uint32_t crc32 = 0;          // of the input
};

Result<GzipOutput> GzipParallel(std::string_view input,
                                const GzipOptions& options);

}  // namespace staticship::release

#endif  // STATICSHIP_RELEASE_IMAGE_PARALLEL_GZIP_H_
