#include "release/signing/attach.h"

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

Result<Attached> PushSignature(registry::RegistryClient& client,
                               std::string_view image_name,
                               std::string_view image_digest,
                               const PrivateKey& key, RandomSource& random) {
  ArtifactLayer layer;
  layer.media_type = kSimpleSigningMediaType;
  layer.bytes = SimpleSigningPayload(image_name, image_digest);
  Result<std::string> signature = key.Sign(layer.bytes, random);
  if (!signature.ok()) return signature.error();
  layer.annotations[kSignatureAnnotation] = Base64Encode(*signature);
  return AttachLayers(client, SignatureTag(image_digest), {&layer, 1});
}

Result<Attached> PushAttestations(registry::RegistryClient& client,
                                  std::string_view image_name,
                                  std::string_view image_digest,
                                  std::span<const Predicate> predicates,
                                  const PrivateKey& key, RandomSource& random) {
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
  return AttachLayers(client, AttestationTag(image_digest), layers);
}

}  // namespace staticship::signing
