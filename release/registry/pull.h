// Fetches one image for this platform: the manifest (through an index when
// the reference names one), the config and every layer, each checked
// against its digest by the client.
#ifndef STATICSHIP_RELEASE_REGISTRY_PULL_H_
#define STATICSHIP_RELEASE_REGISTRY_PULL_H_

#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"
#include "release/registry/registry_client.h"

namespace staticship::registry {

struct PulledLayer {
  std::string media_type;
  std::string digest;
  std::string bytes;  // as stored: usually gzip'ed tar
};

struct PulledImage {
  std::string manifest_digest;  // of the image manifest (not the index)
  std::string config;
  std::vector<PulledLayer> layers;
  std::int64_t bytes = 0;  // total fetched
};

// The platform string of this build, "linux/amd64" or "linux/arm64".
std::string HostPlatform();

Result<PulledImage> PullImage(RegistryClient& client,
                              std::string_view reference,
                              std::string_view platform = HostPlatform());

// PullImage without the layers' bytes (each PulledLayer's `bytes` is
// empty): what an image's verification reads before anything is pulled. The
// client keeps what it read (content_cache.h), so a verification after it
// reads the manifest and config without a request.
Result<PulledImage> PullImageMetadata(
    RegistryClient& client, std::string_view reference,
    std::string_view platform = HostPlatform());

// The rest of a PullImageMetadata: the bytes of every layer that has none.
Status PullLayers(RegistryClient& client, PulledImage* image);

}  // namespace staticship::registry

#endif  // STATICSHIP_RELEASE_REGISTRY_PULL_H_
