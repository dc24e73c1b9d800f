// What a registry client fetched by digest, kept for the rest of the
// process: content named by its sha256 cannot change, so a second read of
// it needs no request. deploy's gate and its pull read the same manifests
// and config.
#ifndef STATICSHIP_RELEASE_REGISTRY_CONTENT_CACHE_H_
#define STATICSHIP_RELEASE_REGISTRY_CONTENT_CACHE_H_

#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace staticship::registry {

// Thread-safe (a client and its forks share one). Only what was checked
// against its digest goes in; entries over kMaxEntryBytes (image layers)
// are not kept, nor anything past kMaxTotalBytes.
class ContentCache {
 public:
  static constexpr std::size_t kMaxEntryBytes = 256 << 10;
  static constexpr std::size_t kMaxTotalBytes = 16 << 20;

  struct Entry {
    std::string bytes;
    std::string media_type;  // manifests only
  };

  std::optional<Entry> Find(std::string_view digest) const;
  // Copies only what it keeps.
  void Add(std::string_view digest, std::string_view bytes,
           std::string_view media_type = "");

 private:
  mutable std::mutex mu_;
  std::map<std::string, Entry, std::less<>> entries_;
  std::size_t total_bytes_ = 0;
};

}  // namespace staticship::registry

#endif  // STATICSHIP_RELEASE_REGISTRY_CONTENT_CACHE_H_
