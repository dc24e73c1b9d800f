// The OCI manifests cosign keeps beside an image on registries without the
// referrers API: "sha256-<hex>.sig" (one simple-signing layer per
// signature) and "sha256-<hex>.att" (one DSSE envelope layer per
// attestation), in the image's own repository. A new signature or
// attestation is appended to the manifest already under the tag, as cosign
// does, so an earlier one is never lost.
#ifndef STATICSHIP_RELEASE_SIGNING_COSIGN_ARTIFACT_H_
#define STATICSHIP_RELEASE_SIGNING_COSIGN_ARTIFACT_H_

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"

namespace staticship::signing {

std::string SignatureTag(std::string_view manifest_digest);
std::string AttestationTag(std::string_view manifest_digest);

struct ArtifactLayer {
  std::string media_type;
  std::string bytes;
  std::map<std::string, std::string> annotations;
};

// One layer as a manifest lists it.
struct ArtifactLayerRef {
  std::string media_type;
  std::string digest;
  std::int64_t size = 0;
  std::map<std::string, std::string> annotations;
  // The layer's bytes when its descriptor embeds them (OCI 1.1 "data") and
  // they match its digest and size; empty otherwise, and then the bytes are
  // fetched by digest.
  std::string data;
};

// Layers up to this size are embedded in the manifest as well as uploaded
// (OCI 1.1 descriptor "data"): a verifier then reads a signature or an
// attestation with the manifest, one request instead of two. cosign and
// other readers that ignore the field fetch the blob as before.
inline constexpr std::int64_t kEmbeddedLayerLimit = 64 * 1024;

struct ArtifactManifest {
  std::string config;    // an empty image config whose diff_ids name the layers
  std::string manifest;  // OCI image manifest
};

// `existing` is the manifest under the tag, empty when there is none. A
// layer is not added twice (same digest and annotations), so re-signing is
// idempotent. Several layers go in at once so that a push writes one
// manifest per tag, not one per attestation.
Result<ArtifactManifest> AppendLayers(std::string_view existing,
                                      std::span<const ArtifactLayer> layers);

Result<std::vector<ArtifactLayerRef>> ArtifactLayers(std::string_view manifest);

}  // namespace staticship::signing

#endif  // STATICSHIP_RELEASE_SIGNING_COSIGN_ARTIFACT_H_
