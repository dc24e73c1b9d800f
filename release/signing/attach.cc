#include "release/signing/attach.h"

#include <optional>
#include <thread>

#include "common/base/base64.h"
#include "release/common/oci_layout.h"
#include "release/common/sha256.h"
#include "release/signing/dsse.h"
#include "release/signing/simple_signing.h"
#include "release/signing/statement.h"

namespace staticship::signing {

// No HEAD before each upload: these blobs are small and almost always new
// (a signature or envelope made just now, a config naming them), so asking
// first would cost a request more than it saves; a registry stores a blob
// it already has as a no-op.
Result<Attached> AttachLayers(registry::RegistryClient& client,
                              std::string_view tag,
                              std::span<const ArtifactLayer> layers) {
  std::string existing;
  Result<registry::Manifest> current = client.GetManifest(tag);
  if (current.ok()) {
    existing = std::move(current->bytes);
  } else if (current.code() != ErrorCode::kNotFound) {
    return current.error();
  }
  Result<ArtifactManifest> next = AppendLayers(existing, layers);
  if (!next.ok()) return WithContext(next.error(), std::string(tag));
  for (const ArtifactLayer& layer : layers) {
    if (Status s =
            client.UploadBlob(release::Sha256Digest(layer.bytes), layer.bytes);
        !s.ok()) {
      return s.error();
    }
  }
  if (Status s =
          client.UploadBlob(release::Sha256Digest(next->config), next->config);
      !s.ok()) {
    return s.error();
  }
  Result<std::string> digest =
      client.PutManifest(tag, release::kMediaTypeImageManifest, next->manifest);
  if (!digest.ok()) return digest.error();
  return Attached{std::string(tag), std::move(*digest)};
}

Result<ArtifactLayer> SignatureLayer(std::string_view image_name,
                                     std::string_view image_digest,
                                     const PrivateKey& key,
                                     RandomSource& random) {
  ArtifactLayer layer;
  layer.media_type = kSimpleSigningMediaType;
  layer.bytes = SimpleSigningPayload(image_name, image_digest);
  Result<std::string> signature = key.Sign(layer.bytes, random);
  if (!signature.ok()) return signature.error();
  layer.annotations[kSignatureAnnotation] = Base64Encode(*signature);
  return layer;
}

Result<Attached> PushSignature(registry::RegistryClient& client,
                               std::string_view image_name,
                               std::string_view image_digest,
                               const PrivateKey& key, RandomSource& random) {
  Result<ArtifactLayer> layer =
      SignatureLayer(image_name, image_digest, key, random);
  if (!layer.ok()) return layer.error();
  return AttachLayers(client, SignatureTag(image_digest), {&*layer, 1});
}

Result<std::vector<ArtifactLayer>> AttestationLayers(
    std::string_view image_name, std::string_view image_digest,
    std::span<const Predicate> predicates, const PrivateKey& key,
    RandomSource& random) {
  std::vector<ArtifactLayer> layers;
  for (const Predicate& predicate : predicates) {
    Result<DsseEnvelope> envelope = SignEnvelope(
        kInTotoPayloadType,
        StatementJson(image_name, image_digest, predicate.type, predicate.body),
        key, random);
    if (!envelope.ok()) return envelope.error();
    ArtifactLayer& layer = layers.emplace_back();
    layer.media_type = kDsseMediaType;
    layer.bytes = SerializeEnvelope(*envelope);
    // cosign writes an empty signature annotation on attestation layers: the
    // signature is inside the envelope.
    layer.annotations[kSignatureAnnotation] = "";
    layer.annotations[kPredicateTypeAnnotation] = predicate.type;
  }
  return layers;
}

Result<Attached> PushAttestations(registry::RegistryClient& client,
                                  std::string_view image_name,
                                  std::string_view image_digest,
                                  std::span<const Predicate> predicates,
                                  const PrivateKey& key, RandomSource& random) {
  Result<std::vector<ArtifactLayer>> layers =
      AttestationLayers(image_name, image_digest, predicates, key, random);
  if (!layers.ok()) return layers.error();
  return AttachLayers(client, AttestationTag(image_digest), *layers);
}

Result<std::vector<Attached>> PushSignatureAndAttestations(
    registry::RegistryClient& client, std::string_view image_name,
    std::string_view image_digest, std::span<const Predicate> predicates,
    const PrivateKey& key, RandomSource& random) {
  Result<ArtifactLayer> signature =
      SignatureLayer(image_name, image_digest, key, random);
  if (!signature.ok()) return signature.error();
  Result<std::vector<ArtifactLayer>> attestations =
      AttestationLayers(image_name, image_digest, predicates, key, random);
  if (!attestations.ok()) return attestations.error();

  registry::RegistryClient fork = client.Fork();
  std::optional<Result<Attached>> signed_tag;
  std::thread writer([&] {
    signed_tag =
        AttachLayers(fork, SignatureTag(image_digest), {&*signature, 1});
  });
  std::optional<Result<Attached>> attested_tag;
  if (!attestations->empty()) {
    attested_tag =
        AttachLayers(client, AttestationTag(image_digest), *attestations);
  }
  writer.join();
  client.AddStats(fork.stats());

  if (!signed_tag->ok()) return signed_tag->error();
  std::vector<Attached> attached = {**signed_tag};
  if (attested_tag.has_value()) {
    if (!attested_tag->ok()) return attested_tag->error();
    attached.push_back(**attested_tag);
  }
  return attached;
}

}  // namespace staticship::signing
