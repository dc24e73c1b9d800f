#include "release/registry/content_cache.h"

namespace staticship::registry {

std::optional<ContentCache::Entry> ContentCache::Find(
    std::string_view digest) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(digest);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

void ContentCache::Add(std::string_view digest, std::string_view bytes,
                       std::string_view media_type) {
  const std::size_t size = bytes.size();
  if (size > kMaxEntryBytes) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (total_bytes_ + size > kMaxTotalBytes || entries_.contains(digest)) return;
  entries_.emplace(std::string(digest),
                   Entry{std::string(bytes), std::string(media_type)});
  total_bytes_ += size;
}

}  // namespace staticship::registry
