// Publishes signatures and attestations next to an image in its registry
// repository, the way cosign does (cosign_artifact.h): `shipctl sign`,
// `shipctl attest` and `shipctl push --sign-key` all go through here.
#ifndef STATICSHIP_RELEASE_SIGNING_ATTACH_H_
#define STATICSHIP_RELEASE_SIGNING_ATTACH_H_

#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

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

// The signature layer of `image_digest`: cosign's simple-signing payload
// naming `image_name` ("HOST:PORT/REPO"), its signature in the annotation.
Result<ArtifactLayer> SignatureLayer(std::string_view image_name,
                                     std::string_view image_digest,
                                     const PrivateKey& key,
                                     RandomSource& random);

// Signs `image_digest` and appends the signature under sha256-<hex>.sig.
Result<Attached> PushSignature(registry::RegistryClient& client,
                               std::string_view image_name,
                               std::string_view image_digest,
                               const PrivateKey& key, RandomSource& random);

struct Predicate {
  std::string type;  // the predicate type URI
  nlohmann::ordered_json body;
};

// Each predicate in an in-toto Statement about the image, signed as a DSSE
// envelope: the layers of sha256-<hex>.att.
Result<std::vector<ArtifactLayer>> AttestationLayers(
    std::string_view image_name, std::string_view image_digest,
    std::span<const Predicate> predicates, const PrivateKey& key,
    RandomSource& random);

// AttestationLayers, appended under sha256-<hex>.att in one manifest write.
Result<Attached> PushAttestations(registry::RegistryClient& client,
                                  std::string_view image_name,
                                  std::string_view image_digest,
                                  std::span<const Predicate> predicates,
                                  const PrivateKey& key, RandomSource& random);

// What `push --sign-key` writes before it moves the tag: the signature,
// and the attestations when there are predicates. Everything is signed
// first, on this thread; then the two tags, which do not depend on each
// other, are written at once, the signature on a fork of `client` (its own
// connection) on a second thread, since each is several registry round
// trips. Returns what was attached (the signature first); the first error
// otherwise. The fork's transfers are added to `client`'s stats.
Result<std::vector<Attached>> PushSignatureAndAttestations(
    registry::RegistryClient& client, std::string_view image_name,
    std::string_view image_digest, std::span<const Predicate> predicates,
    const PrivateKey& key, RandomSource& random);

}  // namespace staticship::signing

#endif  // STATICSHIP_RELEASE_SIGNING_ATTACH_H_
