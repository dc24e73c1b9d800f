#include "common/archive/gzip.h"

#include <zlib.h>

#include <algorithm>
#include <utility>

namespace staticship::archive {
namespace {

// windowBits: 15 (32 KiB window), +16 for a gzip header and trailer, +32 to
// accept gzip or zlib on input, negative for a raw stream.
constexpr int kWindowBits = 15;

Bytef* InputBytes(std::string_view data) {
  // zlib's next_in is not const-qualified but is never written through.
  return reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
}

}  // namespace

Result<Deflater> Deflater::Create(int level, Format format) {
  if (level < 1 || level > 9) return MakeError("gzip level must be 1..9");
  auto stream = std::make_unique<z_stream>();
  const int bits = format == Format::kGzip   ? kWindowBits + 16
                   : format == Format::kZlib ? kWindowBits
                                             : -kWindowBits;
  if (deflateInit2(stream.get(), level, Z_DEFLATED, bits, 8,
                   Z_DEFAULT_STRATEGY) != Z_OK) {
    return MakeError("deflateInit2 failed");
  }
  return Deflater(std::move(stream));
}

Deflater::Deflater(std::unique_ptr<z_stream_s> stream)
    : stream_(std::move(stream)) {}
Deflater::Deflater(Deflater&&) noexcept = default;
Deflater& Deflater::operator=(Deflater&& other) noexcept {
  if (this != &other) {
    if (stream_) deflateEnd(stream_.get());
    stream_ = std::move(other.stream_);
  }
  return *this;
}
Deflater::~Deflater() {
  if (stream_) deflateEnd(stream_.get());
}

Status Deflater::Reset() {
  if (deflateReset(stream_.get()) != Z_OK) {
    return MakeError("deflateReset failed");
  }
  return Status::Ok();
}

Status Deflater::SetDictionary(std::string_view dictionary) {
  if (deflateSetDictionary(stream_.get(),
                           reinterpret_cast<const Bytef*>(dictionary.data()),
                           static_cast<uInt>(dictionary.size())) != Z_OK) {
    return MakeError("deflateSetDictionary failed");
  }
  return Status::Ok();
}

Status Deflater::Compress(std::string_view input, Flush flush,
                          std::string& out) {
  z_stream& zs = *stream_;
  const size_t start = out.size();
  // Room for the worst case, the gzip framing and a sync-flush marker: one
  // deflate() call in practice; the loop covers zlib's own accounting.
  out.resize(start + deflateBound(&zs, static_cast<uLong>(input.size())) + 32);
  zs.next_in = InputBytes(input);
  zs.avail_in = static_cast<uInt>(input.size());
  size_t produced = start;
  const int mode = flush == Flush::kFinish ? Z_FINISH : Z_SYNC_FLUSH;
  for (;;) {
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
    zs.avail_out = static_cast<uInt>(out.size() - produced);
    const int rc = deflate(&zs, mode);
    produced = out.size() - zs.avail_out;
    if (flush == Flush::kFinish ? rc == Z_STREAM_END
                                : zs.avail_in == 0 && zs.avail_out > 0 &&
                                      (rc == Z_OK || rc == Z_BUF_ERROR)) {
      break;
    }
    // Z_BUF_ERROR with output space left: no progress is possible.
    if ((rc != Z_OK && rc != Z_BUF_ERROR) ||
        (rc == Z_BUF_ERROR && zs.avail_out > 0)) {
      out.resize(start);
      return MakeError("deflate failed");
    }
    out.resize(out.size() * 2);
  }
  out.resize(produced);
  return Status::Ok();
}

Result<std::string> GzipCompress(std::string_view data, int level) {
  Result<Deflater> deflater = Deflater::Create(level, Deflater::Format::kGzip);
  if (!deflater.ok()) return deflater.error();
  std::string out;
  if (Status s = deflater->Compress(data, Deflater::Flush::kFinish, out);
      !s.ok()) {
    return s.error();
  }
  return out;
}

Result<std::string> Inflate(std::string_view data) {
  z_stream zs{};
  if (inflateInit2(&zs, kWindowBits + 32) != Z_OK) {
    return MakeError("inflateInit2 failed");
  }
  std::string out;
  zs.next_in = InputBytes(data);
  zs.avail_in = static_cast<uInt>(data.size());
  char buffer[1 << 16];
  int rc = Z_OK;
  for (;;) {
    zs.next_out = reinterpret_cast<Bytef*>(buffer);
    zs.avail_out = sizeof buffer;
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buffer, sizeof buffer - zs.avail_out);
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0) break;
      inflateReset(&zs);  // another gzip member follows
      continue;
    }
    if (rc != Z_OK) break;
    if (zs.avail_in == 0 && zs.avail_out != 0) {
      rc = Z_DATA_ERROR;  // the input ended inside the stream
      break;
    }
  }
  inflateEnd(&zs);
  if (rc != Z_STREAM_END) {
    return MakeError("not valid gzip or zlib data (truncated or corrupt)");
  }
  return out;
}

std::uint32_t Crc32(std::string_view data, std::uint32_t crc) {
  uLong value = crc;
  // zlib takes uInt lengths; feed large buffers in pieces.
  while (!data.empty()) {
    const uInt n = static_cast<uInt>(std::min<size_t>(data.size(), 1u << 30));
    value = crc32(value, reinterpret_cast<const Bytef*>(data.data()), n);
    data.remove_prefix(n);
  }
  return static_cast<std::uint32_t>(value);
}

std::uint32_t Crc32Combine(std::uint32_t crc_a, std::uint32_t crc_b,
                           std::uint64_t size_b) {
  return static_cast<std::uint32_t>(
      crc32_combine(crc_a, crc_b, static_cast<z_off_t>(size_b)));
}

}  // namespace staticship::archive
