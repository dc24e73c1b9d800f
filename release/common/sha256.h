// Streaming SHA-256 (FIPS 180-4) and the OCI digest helpers built on it.
//
// Every blob of an image is named by its digest, and the packer hashes bytes
// while it writes them, so the hasher is incremental: Update() as often as
// needed, then Finish() once. Digests in OCI are "sha256:" + 64 lowercase hex.
#ifndef STATICSHIP_RELEASE_COMMON_SHA256_H_
#define STATICSHIP_RELEASE_COMMON_SHA256_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/base/result.h"

namespace staticship::release {

using Sha256Bytes = std::array<std::uint8_t, 32>;

class Sha256 {
 public:
  enum class Engine {
    kAuto,      // the CPU's SHA extensions when present, else portable
    kPortable,  // plain C++ (tests use it to check both paths)
  };
  explicit Sha256(Engine engine = Engine::kAuto);

  void Update(const void* data, std::size_t size);
  void Update(std::string_view data) { Update(data.data(), data.size()); }

  // Ends the stream; the hasher must not be updated afterwards (Reset() it
  // to reuse).
  Sha256Bytes Finish();
  // Finish() as 64 lowercase hex characters.
  std::string FinishHex();
  // Finish() as "sha256:<hex>".
  std::string FinishDigest();

  void Reset();
  std::uint64_t bytes_hashed() const { return total_bytes_; }

 private:
  // Processes `blocks` consecutive 64-byte blocks.
  void Compress(const std::uint8_t* data, std::size_t blocks);

  std::array<std::uint32_t, 8> state_;
  std::array<std::uint8_t, 64> buffer_;
  std::size_t buffered_ = 0;
  std::uint64_t total_bytes_ = 0;
  bool hardware_ = false;
};

// True when Engine::kAuto uses SHA instructions on this CPU (x86 SHA-NI),
// which hash layers about ten times faster than the portable code.
bool Sha256HardwareAvailable();

// Lowercase hex of any byte string.
std::string ToHex(const std::uint8_t* data, std::size_t size);
inline std::string ToHex(const Sha256Bytes& bytes) {
  return ToHex(bytes.data(), bytes.size());
}

// One-shot helpers.
std::string Sha256Hex(std::string_view data);
std::string Sha256Digest(std::string_view data);  // "sha256:<hex>"

// Hashes a whole file, streaming; fails on open/read errors.
Result<std::string> Sha256FileDigest(const std::filesystem::path& path);

// True for "sha256:" followed by exactly 64 lowercase hex digits: the only
// form we write, and the only one safe to turn into a blob path.
bool IsSha256Digest(std::string_view digest);

// The hex part of a valid digest ("sha256:abc…" -> "abc…").
std::string_view DigestHex(std::string_view digest);

}  // namespace staticship::release

#endif  // STATICSHIP_RELEASE_COMMON_SHA256_H_
