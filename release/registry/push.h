// `shipctl push`: publishes an OCI image layout (one image, or an index over
// several) to a registry, and optionally its SBOM.
//
// The SBOM is attached the way cosign does on registries without the
// referrers API (docker-registry 2.8): a small OCI manifest whose only layer
// is the SPDX document (media type text/spdx+json), pushed under the tag
// "sha256-<hex of the image manifest digest>.sbom" in the same repository,
// so `crane`/`cosign download sbom` and a plain tag lookup both find it.
#ifndef STATICSHIP_RELEASE_REGISTRY_PUSH_H_
#define STATICSHIP_RELEASE_REGISTRY_PUSH_H_

#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/base/result.h"
#include "release/common/oci_layout.h"
#include "release/registry/registry_client.h"

namespace staticship::registry {

inline constexpr char kSpdxJsonMediaType[] = "text/spdx+json";

struct PushOutcome {
  std::string digest;      // of the manifest or index pushed under the tag
  std::string media_type;  // of that manifest or index
  std::string sbom_tag;    // empty when no SBOM was pushed
  std::string sbom_digest;
  // How long the tag waited for before_tag once the image and its SBOM were
  // up: what signing added to the push.
  std::int64_t before_tag_wait_ms = 0;
};

// Signing and attesting: given the digest the image will have, it must
// write everything the tag may not move without. It runs on a thread of its
// own while the image uploads (so it must use connections of its own, a
// RegistryClient::Fork), since a signature needs only the digest, which the
// layout already holds. An error leaves the tag untouched.
using BeforeTag = std::function<Status(const std::string& digest)>;

// Pushes every blob (skipping those the registry has), every manifest by
// digest and the SBOM (as described above) while before_tag runs, and only
// when both are done puts the root under tag.
Result<PushOutcome> PushLayout(RegistryClient& client,
                               const release::OciLayout& layout,
                               std::string_view tag,
                               const std::optional<std::filesystem::path>& sbom,
                               const BeforeTag& before_tag = {});

// Whether `sbom` names every linked input (purl) that the layout's image
// configs list in their dev.staticship.linked-inputs label; one line saying
// what is missing otherwise.
Status CheckSbomComplete(const release::OciLayout& layout,
                         const std::optional<std::filesystem::path>& sbom);

// The SBOM attachment manifest and its config, as pushed (exposed for tests).
struct SbomArtifact {
  std::string config;
  std::string manifest;
};
SbomArtifact MakeSbomArtifact(std::string_view sbom_bytes);

// `shipctl push --layout DIR --ref HOST:PORT/REPO:TAG [--sbom FILE]`
//  plus the registry connection flags (connection_flags.h).
// args are the arguments after "push". Returns the process exit code.
int RunPush(std::span<char* const> args);

}  // namespace staticship::registry

#endif  // STATICSHIP_RELEASE_REGISTRY_PUSH_H_
