#include "release/verify/image_verifier.h"

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <span>
#include <thread>
#include <utility>

#include "common/base/base64.h"
#include "release/common/sha256.h"
#include "release/sbom/linked_inputs.h"
#include "release/signing/cosign_artifact.h"
#include "release/signing/dsse.h"
#include "release/signing/key_file.h"
#include "release/signing/simple_signing.h"
#include "release/signing/statement.h"

namespace staticship::verify {
namespace {

using policy::Violation;

bool IsIndex(std::string_view media_type, const nlohmann::json& doc) {
  return media_type == "application/vnd.oci.image.index.v1+json" ||
         media_type ==
             "application/vnd.docker.distribution.manifest.list.v2+json" ||
         (doc.is_object() && doc.contains("manifests"));
}

std::string DigestOf(const nlohmann::json& descriptor) {
  return descriptor.is_object() && descriptor.contains("digest") &&
                 descriptor["digest"].is_string()
             ? descriptor["digest"].get<std::string>()
             : "";
}

bool IsSimpleSigning(const signing::ArtifactLayerRef& layer) {
  return layer.media_type == signing::kSimpleSigningMediaType;
}

// A key caches curve tables on first use, so each thread checks with its own.
std::vector<signing::PublicKey> CopyKeys(
    const std::vector<signing::PublicKey>& keys) {
  std::vector<signing::PublicKey> copies;
  for (const signing::PublicKey& key : keys) {
    if (Result<signing::PublicKey> copy =
            signing::PublicKey::FromDer(key.der());
        copy.ok()) {
      copies.push_back(std::move(*copy));
    }
  }
  return copies;
}

// A layer's signature annotation: with a simple-signing payload, what is
// checked (two signers of one image share the payload blob and differ here).
std::string SignatureAnnotationOf(const signing::ArtifactLayerRef& layer) {
  auto it = layer.annotations.find(signing::kSignatureAnnotation);
  return it == layer.annotations.end() ? "" : it->second;
}

// One layer of a cosign tag as fetched, and whether a trusted key signed it,
// with the signature annotation that check read. The check, and the parsing
// of an attestation's envelope and statement, are done where the layer was
// fetched, so that those of several layers overlap.
struct FetchedLayer {
  Result<std::string> bytes;
  bool trusted = false;
  std::string checked_annotation;
  // Bytes that came from a request of their own, not embedded in the
  // manifest (which is counted already).
  std::int64_t bytes_requested = 0;
  // Any layer but a simple-signing payload: its DSSE envelope, and the
  // in-toto statement inside when the envelope says it holds one.
  std::optional<Result<signing::DsseEnvelope>> envelope{};
  std::optional<Result<signing::Statement>> statement{};
};

// Whether one of `keys` signed a fetched cosign layer: a simple-signing
// payload's signature is the layer's annotation, an attestation's is inside
// its DSSE envelope. Any other layer is judged by the Verifier, which says
// why.
bool SignedByAny(const signing::ArtifactLayerRef& layer,
                 const FetchedLayer& fetched,
                 const std::vector<signing::PublicKey>& keys) {
  if (!fetched.bytes.ok()) return false;
  if (IsSimpleSigning(layer)) {
    auto annotation = layer.annotations.find(signing::kSignatureAnnotation);
    if (annotation == layer.annotations.end()) return false;
    Result<std::string> signature = Base64Decode(annotation->second);
    if (!signature.ok()) return false;
    for (const signing::PublicKey& key : keys) {
      if (key.Verify(*fetched.bytes, *signature)) return true;
    }
    return false;
  }
  if (!fetched.envelope.has_value() || !fetched.envelope->ok()) return false;
  for (const signing::PublicKey& key : keys) {
    if (signing::EnvelopeSignedBy(**fetched.envelope, key)) return true;
  }
  return false;
}

FetchedLayer FetchLayer(registry::RegistryClient& client,
                        const signing::ArtifactLayerRef& layer,
                        const std::vector<signing::PublicKey>& keys) {
  const bool embedded = !layer.data.empty();
  FetchedLayer fetched{.bytes = embedded ? Result<std::string>(layer.data)
                                         : client.GetBlob(layer.digest),
                       .checked_annotation = SignatureAnnotationOf(layer)};
  if (!fetched.bytes.ok()) return fetched;
  if (!embedded) {
    fetched.bytes_requested = static_cast<std::int64_t>(fetched.bytes->size());
  }
  if (!IsSimpleSigning(layer)) {
    fetched.envelope = signing::ParseEnvelope(*fetched.bytes);
    if (fetched.envelope->ok() &&
        (*fetched.envelope)->payload_type == signing::kInTotoPayloadType) {
      fetched.statement = signing::ParseStatement((*fetched.envelope)->payload);
    }
  }
  fetched.trusted = SignedByAny(layer, fetched, CopyKeys(keys));
  return fetched;
}

// What one cosign tag (.sig or .att) holds: its manifest and its layers,
// fetched as raw answers; the Verifier judges them afterwards.
struct FetchedArtifact {
  std::optional<Result<registry::Manifest>> manifest;
  // The manifest's layers, parsed once (with embedded bytes decoded and
  // checked against their digests); unset when the manifest was not read.
  std::optional<Result<std::vector<signing::ArtifactLayerRef>>> refs;
  std::map<std::string, FetchedLayer, std::less<>> layers;
};

// Each layer after the first is fetched (unless the manifest embeds it) and
// checked on a thread of its own, with a fork of the client (whose pooled
// connection is opened only if it sends a request): a request here is a
// round trip of a millisecond or more, and a signature check another, and
// neither waits on the other layers.
FetchedArtifact FetchArtifact(registry::RegistryClient& client,
                              const std::string& tag,
                              const std::vector<signing::PublicKey>& keys) {
  FetchedArtifact fetched;
  fetched.manifest = client.GetManifest(tag);
  if (!fetched.manifest->ok()) return fetched;
  fetched.refs = signing::ArtifactLayers((*fetched.manifest)->bytes);
  if (!fetched.refs->ok()) return fetched;
  std::vector<const signing::ArtifactLayerRef*> unique;
  std::set<std::string> seen;
  for (const signing::ArtifactLayerRef& ref : **fetched.refs) {
    if (seen.insert(ref.digest).second) unique.push_back(&ref);
  }
  std::vector<std::optional<FetchedLayer>> results(unique.size());
  std::vector<registry::RegistryClient> forks;
  forks.reserve(unique.size());
  for (size_t i = 1; i < unique.size(); ++i) forks.push_back(client.Fork());
  std::vector<std::thread> threads;
  for (size_t i = 1; i < unique.size(); ++i) {
    threads.emplace_back(
        [&, i] { results[i] = FetchLayer(forks[i - 1], *unique[i], keys); });
  }
  if (!unique.empty()) results[0] = FetchLayer(client, *unique[0], keys);
  for (std::thread& t : threads) t.join();
  for (registry::RegistryClient& fork : forks) client.AddStats(fork.stats());
  for (size_t i = 0; i < unique.size(); ++i) {
    fetched.layers.emplace(unique[i]->digest, std::move(*results[i]));
  }
  return fetched;
}

class Verifier {
 public:
  Verifier(registry::RegistryClient& client, std::string digest,
           const policy::Policy& policy, std::vector<signing::PublicKey> keys,
           const VerifyOptions& options)
      : client_(client),
        digest_(std::move(digest)),
        policy_(policy),
        keys_(std::move(keys)),
        options_(options) {}

  Verdict Run() {
    // Each request to a registry is a round trip of several milliseconds,
    // and the three parts do not depend on each other: the signature and
    // attestation tags download on forks of the client (connections of
    // their own) while the image is checked here. Each layer's signature is
    // checked on the thread that fetched it, with its own copy of the keys
    // (a key's curve tables are not shared across threads).
    registry::RegistryClient signature_client = client_.Fork();
    registry::RegistryClient attestation_client = client_.Fork();
    FetchedArtifact signatures, attestations;
    std::thread signature_fetch([&] {
      signatures = FetchArtifact(signature_client,
                                 signing::SignatureTag(digest_), keys_);
    });
    std::thread attestation_fetch([&] {
      attestations = FetchArtifact(attestation_client,
                                   signing::AttestationTag(digest_), keys_);
    });
    const bool content_ok = CheckContent();
    signature_fetch.join();
    attestation_fetch.join();
    CheckSignatures(signatures);
    CheckAttestations(attestations);
    for (Violation& v :
         policy::CheckRequiredAttestations(policy_, verdict_.attestations)) {
      Add(std::move(v));
    }
    CheckPredicates(content_ok);
    return std::move(verdict_);
  }

 private:
  void Add(Violation v) { verdict_.violations.push_back(std::move(v)); }
  void Add(std::string rule, std::string subject, std::string detail) {
    Add(Violation{std::move(rule), std::move(subject), std::move(detail)});
  }

  Result<std::string> Blob(const std::string& digest) {
    Result<std::string> bytes = client_.GetBlob(digest);
    if (bytes.ok()) {
      verdict_.bytes_fetched += static_cast<std::int64_t>(bytes->size());
    }
    return bytes;
  }

  // The image itself: the manifest by digest, then every config and layer
  // (through an index's manifests), each checked against its digest by the
  // client; the configs' linked-inputs labels are collected.
  bool CheckContent() {
    std::vector<std::string> pending = {digest_};
    bool ok = true;
    while (!pending.empty()) {
      const std::string reference = pending.back();
      pending.pop_back();
      Result<registry::Manifest> manifest = client_.GetManifest(reference);
      if (!manifest.ok()) {
        Add("digest", "manifest " + reference, manifest.message());
        return false;
      }
      verdict_.bytes_fetched +=
          static_cast<std::int64_t>(manifest->bytes.size());
      const nlohmann::json doc =
          nlohmann::json::parse(manifest->bytes, nullptr, false);
      if (doc.is_discarded() || !doc.is_object()) {
        Add("digest", "manifest " + reference, "is not a JSON object");
        return false;
      }
      if (IsIndex(manifest->media_type, doc)) {
        for (const auto& child :
             doc.value("manifests", nlohmann::json::array())) {
          const std::string child_digest = DigestOf(child);
          if (!release::IsSha256Digest(child_digest)) {
            Add("digest", "manifest " + reference,
                "names a manifest by '" + child_digest + "'");
            return false;
          }
          pending.push_back(child_digest);
        }
        continue;
      }
      const std::string config_digest =
          DigestOf(doc.value("config", nlohmann::json::object()));
      Result<std::string> config = Blob(config_digest);
      if (!config.ok()) {
        Add("digest", "config " + config_digest, config.message());
        ok = false;
      } else {
        auto linked = release::LinkedInputsOfConfig(*config);
        if (!linked.ok() || !linked->has_value()) {
          Add("sbom-complete", "config " + config_digest,
              std::string("has no ") + release::kLinkedInputsLabel +
                  " label, so no SBOM can be shown complete");
        } else {
          linked_purls_.insert((*linked)->begin(), (*linked)->end());
          labelled_ = true;
        }
      }
      if (!options_.fetch_layers) continue;
      for (const auto& layer : doc.value("layers", nlohmann::json::array())) {
        const std::string layer_digest = DigestOf(layer);
        Result<std::string> bytes = Blob(layer_digest);
        if (!bytes.ok()) {
          Add("digest", "layer " + layer_digest, bytes.message());
          ok = false;
        }
      }
    }
    return ok;
  }

  std::string TrustedKeyIds() const {
    std::string ids;
    for (const signing::PublicKey& key : keys_) {
      ids += (ids.empty() ? "" : ", ") + key.KeyId();
    }
    return ids.empty() ? "none" : ids;
  }

  // A layer as fetched with its tag, fetched and checked here if it was not.
  // Its requested bytes count once, however many layers name it.
  const FetchedLayer& ArtifactLayer(FetchedArtifact& fetched,
                                    const signing::ArtifactLayerRef& layer) {
    auto it = fetched.layers.find(layer.digest);
    if (it == fetched.layers.end()) {
      it = fetched.layers
               .emplace(layer.digest, FetchLayer(client_, layer, keys_))
               .first;
    }
    verdict_.bytes_fetched += std::exchange(it->second.bytes_requested, 0);
    return it->second;
  }

  // Whether a trusted key signed `layer`. Layers are fetched once per
  // digest, and the check made then read the first such layer's signature
  // annotation; another layer with the same payload and another signature
  // is checked here.
  bool Trusted(const FetchedLayer& fetched,
               const signing::ArtifactLayerRef& layer) const {
    if (SignatureAnnotationOf(layer) == fetched.checked_annotation) {
      return fetched.trusted;
    }
    return SignedByAny(layer, fetched, keys_);
  }

  // The layers of the artifact under `tag`, none when the tag does not
  // exist; nullopt after adding a violation when it cannot be read.
  std::optional<std::span<const signing::ArtifactLayerRef>> ArtifactLayers(
      const FetchedArtifact& fetched, const std::string& tag,
      const char* rule) {
    const Result<registry::Manifest>& manifest = *fetched.manifest;
    if (manifest.code() == ErrorCode::kNotFound) {
      return std::span<const signing::ArtifactLayerRef>();
    }
    if (!manifest.ok()) {
      Add(rule, ":" + tag, manifest.message());
      return std::nullopt;
    }
    verdict_.bytes_fetched += static_cast<std::int64_t>(manifest->bytes.size());
    const Result<std::vector<signing::ArtifactLayerRef>>& layers =
        *fetched.refs;
    if (!layers.ok()) {
      Add(rule, "tag " + tag, layers.message());
      return std::nullopt;
    }
    return *layers;
  }

  void CheckSignatures(FetchedArtifact& fetched) {
    const std::string tag = signing::SignatureTag(digest_);
    auto layers = ArtifactLayers(fetched, tag, "signature");
    if (!layers.has_value()) return;
    if (layers->empty()) {
      Add("signature", "tag " + tag, "no signature");
      return;
    }
    for (const signing::ArtifactLayerRef& layer : *layers) {
      const std::string subject = "signature " + layer.digest;
      if (layer.media_type != signing::kSimpleSigningMediaType) {
        Add("signature", subject,
            "has media type " + layer.media_type +
                ", not a cosign simple-signing payload");
        continue;
      }
      const FetchedLayer& fetched_layer = ArtifactLayer(fetched, layer);
      const Result<std::string>& payload = fetched_layer.bytes;
      if (!payload.ok()) {
        Add("digest", subject, payload.message());
        continue;
      }
      auto annotation = layer.annotations.find(signing::kSignatureAnnotation);
      if (annotation == layer.annotations.end() ||
          !Base64Decode(annotation->second).ok()) {
        Add("signature", subject, "has no base64 signature annotation");
        continue;
      }
      if (!Trusted(fetched_layer, layer)) {
        Add("signature", subject,
            "is not signed by a trusted key (trusted: " + TrustedKeyIds() +
                ")");
        continue;
      }
      Result<std::string> named = signing::SimpleSigningDigest(*payload);
      if (!named.ok()) {
        Add("signature", subject, named.message());
        continue;
      }
      if (*named != digest_) {
        Add("signature", subject, "names " + *named + ", not this image");
        continue;
      }
      ++verdict_.signatures;
    }
  }

  void CheckAttestations(FetchedArtifact& fetched) {
    const std::string tag = signing::AttestationTag(digest_);
    auto layers = ArtifactLayers(fetched, tag, "attestation");
    if (!layers.has_value()) return;  // CheckRequiredAttestations says so
    std::set<std::string> types;
    for (const signing::ArtifactLayerRef& layer : *layers) {
      auto annotated =
          layer.annotations.find(signing::kPredicateTypeAnnotation);
      const std::string subject = "attestation " +
                                  (annotated != layer.annotations.end()
                                       ? annotated->second
                                       : std::string("(no predicateType)")) +
                                  " " + layer.digest;
      const FetchedLayer& fetched_layer = ArtifactLayer(fetched, layer);
      const Result<std::string>& bytes = fetched_layer.bytes;
      if (!bytes.ok()) {
        Add("digest", subject, bytes.message());
        continue;
      }
      if (!fetched_layer.envelope.has_value()) {
        // A simple-signing media type under the attestation tag.
        Add("attestation", subject,
            "has media type " + layer.media_type + ", not a DSSE envelope");
        continue;
      }
      const Result<signing::DsseEnvelope>& envelope = *fetched_layer.envelope;
      if (!envelope.ok()) {
        Add("attestation", subject, envelope.message());
        continue;
      }
      if (envelope->payload_type != signing::kInTotoPayloadType) {
        Add("attestation", subject, "payloadType is " + envelope->payload_type);
        continue;
      }
      if (!Trusted(fetched_layer, layer)) {
        Add("attestation", subject,
            "is not signed by a trusted key (trusted: " + TrustedKeyIds() +
                ")");
        continue;
      }
      const Result<signing::Statement>& statement = *fetched_layer.statement;
      if (!statement.ok()) {
        Add("attestation", subject, statement.message());
        continue;
      }
      const std::string_view hex = release::DigestHex(digest_);
      bool about_this_image = false;
      std::string named;
      for (const signing::Subject& s : statement->subjects) {
        about_this_image = about_this_image || s.sha256 == hex;
        if (named.empty()) named = "sha256:" + s.sha256;
      }
      if (!about_this_image) {
        Add("attestation", subject,
            "its subject is " + (named.empty() ? "empty" : named) +
                ", not this image");
        continue;
      }
      if (annotated != layer.annotations.end() &&
          annotated->second != statement->predicate_type) {
        Add("attestation", subject,
            "the signed statement's predicateType is " +
                statement->predicate_type);
        continue;
      }
      if (types.insert(statement->predicate_type).second) {
        verdict_.attestations.push_back(statement->predicate_type);
      }
      predicates_.emplace_back(statement->predicate_type, statement->predicate);
    }
  }

  void CheckPredicates(bool content_ok) {
    bool have_sbom = false, have_provenance = false;
    const std::vector<std::string> linked(linked_purls_.begin(),
                                          linked_purls_.end());
    for (const auto& [type, predicate] : predicates_) {
      std::vector<Violation> found;
      if (type == signing::kSpdxDocument) {
        have_sbom = true;
        if (content_ok && labelled_) {
          found = policy::CheckSbomComplete(predicate, linked);
        }
        for (Violation& v : policy::CheckSbom(policy_, predicate)) {
          found.push_back(std::move(v));
        }
      } else if (type == signing::kSlsaProvenanceV1) {
        have_provenance = true;
        found = policy::CheckProvenance(policy_, predicate);
      }
      for (Violation& v : found) Add(std::move(v));
    }
    // Rules that read a document cannot pass without a verified one (said
    // once: a required attestation that is missing is refused already).
    auto required = [&](std::string_view type) {
      for (const std::string& t : policy_.required_attestations) {
        if (t == type) return true;
      }
      return false;
    };
    if (!have_sbom && (policy_.licenses || policy_.vulnerabilities) &&
        !required(signing::kSpdxDocument)) {
      Add("attestation", std::string(signing::kSpdxDocument),
          "the license and vulnerability rules need a verified SBOM "
          "attestation");
    }
    if (!have_provenance && policy_.source &&
        !required(signing::kSlsaProvenanceV1)) {
      Add("attestation", std::string(signing::kSlsaProvenanceV1),
          "the source rule needs a verified provenance attestation");
    }
  }

  registry::RegistryClient& client_;
  const std::string digest_;
  const policy::Policy& policy_;
  const std::vector<signing::PublicKey> keys_;
  const VerifyOptions options_;
  Verdict verdict_;
  std::set<std::string> linked_purls_;
  bool labelled_ = false;
  std::vector<std::pair<std::string, nlohmann::json>> predicates_;
};

}  // namespace

Result<Verdict> VerifyImage(registry::RegistryClient& client,
                            const std::string& digest,
                            const policy::Policy& policy,
                            const VerifyOptions& options) {
  if (!release::IsSha256Digest(digest)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "'" + digest + "' is not a sha256 digest");
  }
  std::vector<signing::PublicKey> keys;
  for (const auto& path : policy.trusted_keys) {
    Result<signing::PublicKey> key = signing::ReadPublicKey(path);
    if (!key.ok()) return WithContext(key.error(), "policy trusted_keys");
    keys.push_back(std::move(*key));
  }
  Verdict verdict =
      Verifier(client, digest, policy, std::move(keys), options).Run();
  if (policy.trusted_keys.empty()) {
    verdict.violations.insert(
        verdict.violations.begin(),
        Violation{"signature", "", "the policy trusts no key"});
  }
  return verdict;
}

}  // namespace staticship::verify
