#include "release/signing/attach.h"

#include <nlohmann/json.hpp>

#include "common/base/base64.h"
#include "release/common/oci_layout.h"
#include "release/common/sha256.h"
#include "release/signing/dsse.h"
#include "release/signing/simple_signing.h"
#include "release/signing/statement.h"

namespace staticship::signing {
namespace {

Status UploadIfMissing(registry::RegistryClient& client,
                       std::string_view bytes) {
  const std::string digest = release::Sha256Digest(bytes);
  Result<bool> present = client.BlobExists(digest);
  if (!present.ok()) return present.error();
  if (*present) return Status::Ok();
  return client.UploadBlob(digest, bytes);
}

}  // namespace

Result<Attached> AttachLayer(registry::RegistryClient& client,
                             std::string_view tag, const ArtifactLayer& layer) {
  std::string existing;
  Result<registry::Manifest> current = client.GetManifest(tag);
  if (current.ok()) {
    existing = std::move(current->bytes);
  } else if (current.code() != ErrorCode::kNotFound) {
    return current.error();
  }
  Result<ArtifactManifest> next = AppendLayer(existing, layer);
  if (!next.ok()) return WithContext(next.error(), std::string(tag));
  for (std::string_view blob :
       {std::string_view(layer.bytes), std::string_view(next->config)}) {
    if (Status s = UploadIfMissing(client, blob); !s.ok()) return s.error();
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
  return AttachLayer(client, SignatureTag(image_digest), layer);
}

Result<Attached> PushAttestation(registry::RegistryClient& client,
                                 std::string_view image_name,
                                 std::string_view image_digest,
                                 std::string_view predicate_type,
                                 const nlohmann::ordered_json& predicate,
                                 const PrivateKey& key, RandomSource& random) {
  Result<DsseEnvelope> envelope = SignEnvelope(
      kInTotoPayloadType,
      StatementJson(image_name, image_digest, predicate_type, predicate), key,
      random);
  if (!envelope.ok()) return envelope.error();
  ArtifactLayer layer;
  layer.media_type = kDsseMediaType;
  layer.bytes = SerializeEnvelope(*envelope);
  // cosign writes an empty signature annotation on attestation layers: the
  // signature is inside the envelope.
  layer.annotations[kSignatureAnnotation] = "";
  layer.annotations[kPredicateTypeAnnotation] = predicate_type;
  return AttachLayer(client, AttestationTag(image_digest), layer);
}

}  // namespace staticship::signing
