// `shipctl pull`: fetches an image (or an image index and every image it
// lists) by digest into an OCI image layout, each blob checked against its
// digest. index.json is written the way `shipctl pack` and `shipctl index`
// write it (platform from the config, the tag as ref.name), so a layout
// pushed and pulled back is the same, byte for byte.
#ifndef STATICSHIP_RELEASE_REGISTRY_PULL_LAYOUT_H_
#define STATICSHIP_RELEASE_REGISTRY_PULL_LAYOUT_H_

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "common/base/result.h"
#include "release/registry/registry_client.h"

namespace staticship::registry {

struct PullLayoutOutcome {
  std::string media_type;  // of the root manifest or index
  int blobs = 0;           // manifests included
  std::int64_t bytes = 0;
};

// Writes the layout into `out`, which must not exist yet; it appears only
// when complete (built under a temporary name next to it, then renamed).
Result<PullLayoutOutcome> PullLayout(RegistryClient& client,
                                     std::string_view digest,
                                     std::string_view tag,
                                     const std::filesystem::path& out);

// `shipctl pull --ref HOST:PORT/REPO[:TAG]@sha256:... --out-layout DIR`
// plus the registry connection flags. Returns the process exit code.
int RunPull(std::span<char* const> args);

}  // namespace staticship::registry

#endif  // STATICSHIP_RELEASE_REGISTRY_PULL_LAYOUT_H_
