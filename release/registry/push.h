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
};

// Pushes every blob (skipping those the registry has), every child manifest
// by digest, then the root under tag. With sbom, pushes it as described
// above.
Result<PushOutcome> PushLayout(
    RegistryClient& client, const release::OciLayout& layout,
    std::string_view tag, const std::optional<std::filesystem::path>& sbom);

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
