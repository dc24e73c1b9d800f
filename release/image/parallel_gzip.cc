#include "release/image/parallel_gzip.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "common/archive/gzip.h"
#include "release/common/sha256.h"

namespace staticship::release {
namespace {

constexpr std::size_t kWindow = 32 * 1024;

struct Block {
  std::string_view input;
  std::string_view dictionary;
  bool last = false;
  std::string output;
  std::uint32_t crc = 0;
  std::string error;
  bool done = false;
};

// One raw deflate stream per worker, reset between blocks (cheaper than a
// new stream per block and produces the same bytes).
void CompressBlock(archive::Deflater& deflater, Block& block) {
  block.crc = archive::Crc32(block.input);
  if (Status s = deflater.Reset(); !s.ok()) {
    block.error = s.message();
    return;
  }
  if (!block.dictionary.empty()) {
    if (Status s = deflater.SetDictionary(block.dictionary); !s.ok()) {
      block.error = s.message();
      return;
    }
  }
  // Every block but the last ends on a byte boundary (Z_SYNC_FLUSH), so the
  // raw pieces concatenate into one stream.
  const auto flush = block.last ? archive::Deflater::Flush::kFinish
                                : archive::Deflater::Flush::kSync;
  if (Status s = deflater.Compress(block.input, flush, block.output); !s.ok()) {
    block.error = s.message();
  }
}

// Joins worker threads on every exit path.
class ThreadGroup {
 public:
  ThreadGroup() = default;
  ThreadGroup(const ThreadGroup&) = delete;
  ThreadGroup& operator=(const ThreadGroup&) = delete;
  ~ThreadGroup() {
    for (auto& t : threads_) t.join();
  }
  template <typename F>
  void Start(F&& f) {
    threads_.emplace_back(std::forward<F>(f));
  }

 private:
  std::vector<std::thread> threads_;
};

void AppendLittleEndian32(std::string& out, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) {
    out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
  }
}

}  // namespace

Result<GzipOutput> GzipParallel(std::string_view input,
                                const GzipOptions& options) {
  if (options.level < 1 || options.level > 9) {
    return MakeError("gzip level must be 1..9");
  }
  if (options.block_size < kWindow || options.block_size > (64u << 20)) {
    return MakeError("gzip block size must be between 32 KiB and 64 MiB");
  }
  if (input.size() > std::size_t{0xffffffff} * 4) {
    return MakeError("layer too large");
  }

  const std::size_t count = std::max<std::size_t>(
      1, (input.size() + options.block_size - 1) / options.block_size);
  std::vector<Block> blocks(count);
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t begin = i * options.block_size;
    const std::size_t end = std::min(input.size(), begin + options.block_size);
    blocks[i].input = input.substr(std::min(begin, input.size()), end - begin);
    if (i > 0) {
      const std::size_t dict_begin = begin - std::min(begin, kWindow);
      blocks[i].dictionary = input.substr(dict_begin, begin - dict_begin);
    }
    blocks[i].last = i + 1 == count;
  }

  std::mutex mutex;
  std::condition_variable block_done;
  std::atomic<std::size_t> next{0};
  unsigned threads = options.threads != 0
                         ? options.threads
                         : std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, count));

  GzipOutput out;
  Sha256 compressed_hash;
  Sha256 uncompressed_hash;
  {
    ThreadGroup workers;
    for (unsigned t = 0; t < threads; ++t) {
      workers.Start([&, level = options.level] {
        auto deflater =
            archive::Deflater::Create(level, archive::Deflater::Format::kRaw);
        for (std::size_t i = next++; i < count; i = next++) {
          if (deflater.ok()) {
            CompressBlock(*deflater, blocks[i]);
          } else {
            blocks[i].error = deflater.message();
          }
          std::lock_guard lock(mutex);
          blocks[i].done = true;
          block_done.notify_all();
        }
      });
    }

    // Header: magic, CM=deflate, FLG=0, MTIME=0, XFL as zlib sets it, OS=3.
    const char xfl = options.level == 9 ? 2 : options.level == 1 ? 4 : 0;
    out.compressed.assign({'\x1f', '\x8b', 8, 0, 0, 0, 0, 0, xfl, 3});
    out.compressed.reserve(input.size() / 2 + 64);
    compressed_hash.Update(out.compressed);

    std::uint32_t crc = 0;
    for (std::size_t i = 0; i < count; ++i) {
      // Hash the input while the workers are busy on later blocks.
      uncompressed_hash.Update(blocks[i].input);
      {
        std::unique_lock lock(mutex);
        block_done.wait(lock, [&] { return blocks[i].done; });
      }
      if (!blocks[i].error.empty()) {
        next = count;  // let the workers drain
        return MakeError("gzip: " + blocks[i].error);
      }
      compressed_hash.Update(blocks[i].output);
      out.compressed += blocks[i].output;
      crc = archive::Crc32Combine(crc, blocks[i].crc, blocks[i].input.size());
      std::string().swap(blocks[i].output);
    }
    std::string trailer;
    AppendLittleEndian32(trailer, crc);
    AppendLittleEndian32(trailer, static_cast<std::uint32_t>(input.size()));
    compressed_hash.Update(trailer);
    out.compressed += trailer;
    out.crc32 = crc;
  }
  out.compressed_digest = compressed_hash.FinishDigest();
  out.uncompressed_digest = uncompressed_hash.FinishDigest();
  return out;
}

}  // namespace staticship::release
