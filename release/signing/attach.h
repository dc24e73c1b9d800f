// Publishes signatures and attestations next to an image in its registry
// repository, the way cosign does (cosign_artifact.h): `shipctl sign`,
// `shipctl attest` and `shipctl push --sign-key` all go through here.
#ifndef STATICSHIP_RELEASE_SIGNING_ATTACH_H_
#define STATICSHIP_RELEASE_SIGNING_ATTACH_H_

#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>

#include "common/base/result.h"
#include "release/registry/registry_client.h"
#include "release/signing/cosign_artifact.h"
#include "release/signing/keys.h"
#include "release/signing/random.h"

namespace staticship::signing {

struct Attached {
  std::string tag;              // "sha256-<hex>.sig" / ".att"
  std::string manifest_digest;  // of the artifact manifest now under it
};

// Appends `layers` to the artifact manifest under `tag` (creating it when
// the registry has none): uploads the layers and the new config, then puts
// the manifest, once for all of them.
Result<Attached> AttachLayers(registry::RegistryClient& client,
                              std::string_view tag,
                              std::span<const ArtifactLayer> layers);

// Signs `image_digest` (cosign's simple-signing payload naming `image_name`,
// "HOST:PORT/REPO") and appends the signature under sha256-<hex>.sig.
Result<Attached> PushSignature(registry::RegistryClient& client,
                               std::string_view image_name,
                               std::string_view image_digest,
                               const PrivateKey& key, RandomSource& random);

struct Predicate {
  std::string type;  // the predicate type URI
  nlohmann::ordered_json body;
};

// Wraps each predicate in an in-toto Statement about the image, signs it as
// a DSSE envelope and appends them all under sha256-<hex>.att in one
// manifest write.
Result<Attached> PushAttestations(registry::RegistryClient& client,
                                  std::string_view image_name,
                                  std::string_view image_digest,
                                  std::span<const Predicate> predicates,
                                  const PrivateKey& key, RandomSource& random);

}  // namespace staticship::signing

#endif  // STATICSHIP_RELEASE_SIGNING_ATTACH_H_
