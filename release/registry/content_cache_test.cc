#include "release/registry/content_cache.h"

#include <gtest/gtest.h>

#include <string>

namespace staticship::registry {
namespace {

TEST(ContentCacheTest, FindsWhatWasAdded) {
  ContentCache cache;
  EXPECT_FALSE(cache.Find("sha256:aa").has_value());
  cache.Add("sha256:aa", "{}", "application/vnd.oci.image.manifest.v1+json");
  auto found = cache.Find("sha256:aa");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->bytes, "{}");
  EXPECT_EQ(found->media_type, "application/vnd.oci.image.manifest.v1+json");
  EXPECT_FALSE(cache.Find("sha256:bb").has_value());
}

TEST(ContentCacheTest, KeepsNoEntryOverTheLimit) {
  ContentCache cache;
  cache.Add("sha256:big", std::string(ContentCache::kMaxEntryBytes + 1, 'x'));
  EXPECT_FALSE(cache.Find("sha256:big").has_value());
  cache.Add("sha256:fits", std::string(ContentCache::kMaxEntryBytes, 'x'));
  EXPECT_TRUE(cache.Find("sha256:fits").has_value());
}

TEST(ContentCacheTest, StopsAtTheTotalLimit) {
  ContentCache cache;
  const std::size_t entries =
      ContentCache::kMaxTotalBytes / ContentCache::kMaxEntryBytes;
  for (std::size_t i = 0; i < entries; ++i) {
    cache.Add("sha256:" + std::to_string(i),
              std::string(ContentCache::kMaxEntryBytes, 'x'));
  }
  EXPECT_TRUE(cache.Find("sha256:0").has_value());
  cache.Add("sha256:one-more", "x");
  EXPECT_FALSE(cache.Find("sha256:one-more").has_value());
}

}  // namespace
}  // namespace staticship::registry
