#include "release/registry/push.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <thread>

#include "common/base/file.h"
#include "common/base/flags.h"
#include "release/common/report.h"
#include "release/common/sha256.h"
#include "release/registry/connection_flags.h"
#include "release/registry/reference.h"
#include "release/sbom/linked_inputs.h"
#include "release/signing/attach.h"
#include "release/signing/key_file.h"
#include "release/signing/statement.h"

namespace staticship::registry {
namespace {

using ordered_json = nlohmann::ordered_json;

constexpr char kDockerManifest[] =
    "application/vnd.docker.distribution.manifest.v2+json";
constexpr char kDockerList[] =
    "application/vnd.docker.distribution.manifest.list.v2+json";

bool IsIndexType(std::string_view type) {
  return type == release::kMediaTypeImageIndex || type == kDockerList;
}
bool IsManifestType(std::string_view type) {
  return type == release::kMediaTypeImageManifest || type == kDockerManifest;
}

class LayoutPusher {
 public:
  LayoutPusher(RegistryClient& client, const release::OciLayout& layout)
      : client_(client), layout_(layout) {}

  Status PushBlob(const release::Descriptor& blob) {
    if (!release::IsSha256Digest(blob.digest)) {
      return MakeError("layout names a blob by an unsupported digest '" +
                       blob.digest + "'");
    }
    if (!done_.insert(blob.digest).second) return Status::Ok();
    Result<bool> present = client_.BlobExists(blob.digest);
    if (!present.ok()) return present.error();
    if (*present) return Status::Ok();
    Result<std::string> bytes = layout_.ReadBlob(blob.digest, blob.size);
    if (!bytes.ok()) return bytes.error();
    return client_.UploadBlob(blob.digest, *bytes);
  }

  // Pushes a manifest or index (and what it references) under reference.
  Result<std::string> PushNode(const std::string& media_type_hint,
                               const std::string& bytes,
                               const std::string& reference, int depth) {
    if (depth > 4) return MakeError("image index nested too deeply");
    nlohmann::json doc = nlohmann::json::parse(bytes, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) {
      return MakeError("manifest is not a JSON object");
    }
    std::string media_type = media_type_hint;
    if (doc.contains("mediaType") && doc["mediaType"].is_string()) {
      media_type = doc["mediaType"].get<std::string>();
    }
    if (IsIndexType(media_type) ||
        (media_type.empty() && doc.contains("manifests"))) {
      if (media_type.empty()) media_type = release::kMediaTypeImageIndex;
      for (const auto& child_json :
           doc.value("manifests", nlohmann::json::array())) {
        Result<release::Descriptor> child =
            release::ParseDescriptor(child_json.dump());
        if (!child.ok()) return MakeError("index entry: " + child.message());
        Result<std::string> child_bytes =
            layout_.ReadBlob(child->digest, child->size);
        if (!child_bytes.ok()) return child_bytes.error();
        Result<std::string> pushed =
            PushNode(child->media_type, *child_bytes, child->digest, depth + 1);
        if (!pushed.ok()) return pushed.error();
      }
    } else if (IsManifestType(media_type) ||
               (media_type.empty() && doc.contains("config"))) {
      if (media_type.empty()) media_type = release::kMediaTypeImageManifest;
      std::vector<nlohmann::json> blobs;
      if (doc.contains("config")) blobs.push_back(doc["config"]);
      for (const auto& layer : doc.value("layers", nlohmann::json::array())) {
        blobs.push_back(layer);
      }
      for (const auto& blob_json : blobs) {
        Result<release::Descriptor> blob =
            release::ParseDescriptor(blob_json.dump());
        if (!blob.ok()) return MakeError("manifest entry: " + blob.message());
        Status pushed = PushBlob(*blob);
        if (!pushed.ok()) return pushed.error();
      }
    } else {
      return MakeError("unsupported manifest media type '" + media_type + "'");
    }
    last_media_type_ = media_type;
    return client_.PutManifest(reference, media_type, bytes);
  }

  const std::string& last_media_type() const { return last_media_type_; }

 private:
  RegistryClient& client_;
  const release::OciLayout& layout_;
  std::set<std::string> done_;
  std::string last_media_type_;
};

// The linked inputs every image of the layout declares in its config.
Result<std::vector<std::string>> LinkedInputsOfLayout(
    const release::OciLayout& layout) {
  Result<release::ImageIndex> index = layout.ReadIndex();
  if (!index.ok()) return index.error();
  std::vector<release::Descriptor> pending = index->manifests;
  std::set<std::string> purls;
  while (!pending.empty()) {
    release::Descriptor node = std::move(pending.back());
    pending.pop_back();
    Result<std::string> bytes = layout.ReadBlob(node.digest, node.size);
    if (!bytes.ok()) return bytes.error();
    nlohmann::json doc = nlohmann::json::parse(*bytes, nullptr, false);
    if (doc.is_object() && doc.contains("manifests")) {
      Result<release::ImageIndex> child = release::ParseImageIndex(*bytes);
      if (!child.ok()) return child.error();
      pending.insert(pending.end(), child->manifests.begin(),
                     child->manifests.end());
      continue;
    }
    if (!doc.is_object() || !doc.contains("config")) {
      return MakeError("manifest " + node.digest + " has no config");
    }
    Result<release::Descriptor> config =
        release::ParseDescriptor(doc["config"].dump());
    if (!config.ok()) return config.error();
    Result<std::string> config_bytes =
        layout.ReadBlob(config->digest, config->size);
    if (!config_bytes.ok()) return config_bytes.error();
    auto linked = release::LinkedInputsOfConfig(*config_bytes);
    if (!linked.ok()) return linked.error();
    if (!linked->has_value()) {
      return MakeError(ErrorCode::kFailedPrecondition,
                       "image " + node.digest + " has no " +
                           release::kLinkedInputsLabel +
                           " label, so no SBOM can be shown complete (pack it "
                           "with `shipctl pack --out-sbom`, or pass "
                           "--allow-incomplete-sbom)");
    }
    purls.insert((*linked)->begin(), (*linked)->end());
  }
  return std::vector<std::string>(purls.begin(), purls.end());
}

}  // namespace

Status CheckSbomComplete(const release::OciLayout& layout,
                         const std::optional<std::filesystem::path>& sbom) {
  if (!sbom.has_value()) {
    return MakeError(ErrorCode::kFailedPrecondition,
                     "no --sbom: push refuses an image without a complete "
                     "SBOM (--allow-incomplete-sbom to push anyway)");
  }
  Result<std::string> text = ReadWholeFile(*sbom);
  if (!text.ok()) return MakeError("SBOM: " + text.message());
  const nlohmann::json spdx = nlohmann::json::parse(*text, nullptr, false);
  if (spdx.is_discarded() || !spdx.is_object()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "SBOM " + sbom->string() + " is not a JSON object");
  }
  Result<std::vector<std::string>> linked = LinkedInputsOfLayout(layout);
  if (!linked.ok()) return linked.error();
  const std::vector<std::string> missing =
      release::MissingFromSbom(spdx, *linked);
  if (!missing.empty()) {
    return MakeError(
        ErrorCode::kFailedPrecondition,
        "SBOM " + sbom->string() + " is incomplete: it does not name " +
            missing.front() +
            (missing.size() > 1
                 ? " (and " + std::to_string(missing.size() - 1) + " more)"
                 : "") +
            ", which the image links (--allow-incomplete-sbom to push "
            "anyway)");
  }
  return Status::Ok();
}

SbomArtifact MakeSbomArtifact(std::string_view sbom_bytes) {
  const std::string sbom_digest = release::Sha256Digest(sbom_bytes);
  // A valid (empty) image config keeps tools that inspect every manifest
  // as an image working; its diff_id names the SBOM it carries.
  ordered_json config;
  config["architecture"] = "";
  config["os"] = "";
  config["config"] = ordered_json::object();
  config["rootfs"] = {{"type", "layers"},
                      {"diff_ids", ordered_json::array({sbom_digest})}};
  SbomArtifact artifact;
  artifact.config = config.dump();
  ordered_json manifest;
  manifest["schemaVersion"] = 2;
  manifest["mediaType"] = release::kMediaTypeImageManifest;
  manifest["config"] = {{"mediaType", release::kMediaTypeImageConfig},
                        {"digest", release::Sha256Digest(artifact.config)},
                        {"size", artifact.config.size()}};
  manifest["layers"] = ordered_json::array({{{"mediaType", kSpdxJsonMediaType},
                                             {"digest", sbom_digest},
                                             {"size", sbom_bytes.size()}}});
  artifact.manifest = manifest.dump();
  return artifact;
}

Result<PushOutcome> PushLayout(RegistryClient& client,
                               const release::OciLayout& layout,
                               std::string_view tag,
                               const std::optional<std::filesystem::path>& sbom,
                               const BeforeTag& before_tag) {
  Result<release::ImageIndex> index = layout.ReadIndex();
  if (!index.ok()) return MakeError("layout index.json: " + index.message());
  if (index->manifests.empty())
    return MakeError("layout index.json lists no image");
  LayoutPusher pusher(client, layout);
  PushOutcome outcome;
  std::string root_bytes;
  std::string root_type;
  if (index->manifests.size() == 1) {
    const release::Descriptor& root = index->manifests.front();
    Result<std::string> bytes = layout.ReadBlob(root.digest, root.size);
    if (!bytes.ok()) return bytes.error();
    root_bytes = std::move(*bytes);
    root_type = root.media_type;
  } else {
    // Several images side by side (a multi-platform layout): index.json
    // itself is the index to publish.
    root_bytes = index->raw;
    root_type = release::kMediaTypeImageIndex;
  }
  // By digest first: the tag is the last write, after the SBOM and the
  // signatures, so a tag never names an image that lacks them.
  const std::string digest = release::Sha256Digest(root_bytes);
  std::optional<Status> signed_status;
  std::thread signer;
  // Joined on every way out, errors included: the thread writes
  // signed_status and uses the caller's client fork.
  struct Joiner {
    std::thread& thread;
    ~Joiner() {
      if (thread.joinable()) thread.join();
    }
  } joiner{signer};
  if (before_tag) {
    signer = std::thread([&] { signed_status = before_tag(digest); });
  }
  Result<std::string> pushed =
      pusher.PushNode(root_type, root_bytes, digest, 0);
  if (!pushed.ok()) return pushed.error();
  if (*pushed != digest) {
    return MakeError(ErrorCode::kDataLoss,
                     "the registry stored the image as " + *pushed +
                         ", not as its content's digest " + digest);
  }
  outcome.digest = *pushed;
  outcome.media_type = pusher.last_media_type();

  if (sbom.has_value()) {
    Result<std::string> sbom_bytes = ReadWholeFile(*sbom);
    if (!sbom_bytes.ok()) return MakeError("SBOM: " + sbom_bytes.message());
    SbomArtifact artifact = MakeSbomArtifact(*sbom_bytes);
    for (const std::string* blob : {&artifact.config, &sbom_bytes.value()}) {
      const std::string digest = release::Sha256Digest(*blob);
      Result<bool> present = client.BlobExists(digest);
      if (!present.ok()) return present.error();
      if (!*present) {
        Status uploaded = client.UploadBlob(digest, *blob);
        if (!uploaded.ok()) return uploaded.error();
      }
    }
    outcome.sbom_tag =
        "sha256-" + std::string(release::DigestHex(outcome.digest)) + ".sbom";
    Result<std::string> sbom_digest = client.PutManifest(
        outcome.sbom_tag, release::kMediaTypeImageManifest, artifact.manifest);
    if (!sbom_digest.ok()) return sbom_digest.error();
    outcome.sbom_digest = *sbom_digest;
  }
  if (signer.joinable()) {
    const auto waiting = std::chrono::steady_clock::now();
    signer.join();
    outcome.before_tag_wait_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - waiting)
            .count();
    if (!signed_status->ok()) return signed_status->error();
  }
  Result<std::string> tagged =
      client.PutManifest(tag, outcome.media_type, root_bytes);
  if (!tagged.ok()) return tagged.error();
  return outcome;
}

int RunPush(std::span<char* const> args) {
  const std::string usage =
      std::string(
          "usage: shipctl push --layout DIR --ref HOST:PORT/REPO:TAG [--sbom "
          "FILE]\n") +
      kConnectionFlagsUsage +
      "         [--sign-key P.key [--password-file FILE] [--provenance "
      "FILE]]\n"
      "         [--allow-incomplete-sbom]\n"
      "         [--report FILE]   (JSON: digests, counts, duration_ms)\n"
      "https by default (--ca-cert, else the system CAs). Credentials:\n"
      "--auth-file (user:password or docker config.json) or\n"
      "STATICSHIP_REGISTRY_USER / STATICSHIP_REGISTRY_PASSWORD.\n"
      "The SBOM must name every input the image config's\n"
      "dev.staticship.linked-inputs label lists, unless "
      "--allow-incomplete-sbom.\n"
      "--sign-key signs the digest and attests the SBOM (spdx) and the\n"
      "provenance (slsaprovenance) before the tag is set.\n";
  const auto started = std::chrono::steady_clock::now();
  FlagSpec spec{.values = {"layout", "ref", "sbom", "report", "sign-key",
                           "password-file", "provenance"},
                .switches = {"allow-incomplete-sbom", "help"}};
  AddConnectionFlags(&spec);
  auto [flags, exit_code] = ParseCommand("push", args, spec, usage);
  if (!flags) return exit_code;
  const CommandFailure fail("push");
  Result<std::string> layout_dir = flags->Require("layout");
  if (!layout_dir.ok()) return fail(layout_dir.message());
  Result<std::string> ref_text = flags->Require("ref");
  if (!ref_text.ok()) return fail(ref_text.message());
  Result<Reference> ref = ParseReference(*ref_text);
  if (!ref.ok()) return fail(ref.message());
  if (ref->tag.empty() || !ref->digest.empty()) {
    return fail(
        "--ref must name a tag (HOST:PORT/REPO:TAG); the digest is "
        "what push prints");
  }
  Result<ConnectionFlags> connection_flags =
      ReadConnectionFlags(*flags, std::chrono::seconds(60));
  if (!connection_flags.ok()) return fail(connection_flags.message());
  Result<release::OciLayout> layout = release::OciLayout::Open(*layout_dir);
  if (!layout.ok()) return fail(layout.message());
  std::optional<std::filesystem::path> sbom;
  if (auto file = flags->Get("sbom")) sbom = *file;
  // Everything local is checked before the first request: a refused push
  // leaves the registry as it was.
  if (!flags->GetBool("allow-incomplete-sbom")) {
    Status complete = CheckSbomComplete(*layout, sbom);
    if (!complete.ok()) return fail(complete.message());
  }
  std::optional<signing::PrivateKey> key;
  std::unique_ptr<signing::RandomSource> random;
  std::optional<std::string> sbom_text, provenance_text;
  if (auto key_path = flags->Get("sign-key")) {
    std::optional<std::filesystem::path> password_file;
    if (auto file = flags->Get("password-file")) password_file = *file;
    Result<signing::PrivateKey> loaded = signing::ReadPrivateKey(
        *key_path, password_file,
        [](const char* name) { return std::getenv(name); });
    if (!loaded.ok()) return fail(loaded.message());
    key.emplace(std::move(*loaded));
    Result<std::unique_ptr<signing::RandomSource>> source =
        signing::RandomSource::Create();
    if (!source.ok()) return fail(source.message());
    random = std::move(*source);
    for (auto [flag, text] : {std::pair{"sbom", &sbom_text},
                              std::pair{"provenance", &provenance_text}}) {
      if (auto file = flags->Get(flag)) {
        Result<std::string> bytes = ReadWholeFile(*file);
        if (!bytes.ok()) return fail(bytes.message());
        if (!nlohmann::json::accept(*bytes)) {
          return fail("--" + std::string(flag) + " " + *file + " is not JSON");
        }
        *text = std::move(*bytes);
      }
    }
  } else if (flags->Has("provenance") || flags->Has("password-file")) {
    return fail("--provenance and --password-file need --sign-key");
  }

  Result<std::unique_ptr<RegistryConnection>> connection =
      RegistryConnection::Open(
          *connection_flags, *ref, "pull,push",
          [](const char* name) { return std::getenv(name); });
  if (!connection.ok()) return fail(connection.message());
  RegistryClient& client = (*connection)->client();
  std::vector<signing::Attached> attached;
  std::int64_t sign_ms = 0;
  int attestation_count = 0;
  // Signing runs beside the image's upload (BeforeTag): on connections of
  // its own.
  RegistryClient signing_client = client.Fork();
  BeforeTag sign = [&](const std::string& digest) -> Status {
    const auto sign_started = std::chrono::steady_clock::now();
    std::vector<signing::Predicate> predicates;
    for (auto [type, text] :
         {std::pair{signing::kSpdxDocument, &sbom_text},
          std::pair{signing::kSlsaProvenanceV1, &provenance_text}}) {
      if (text->has_value()) {
        predicates.push_back({type, nlohmann::ordered_json::parse(**text)});
      }
    }
    Result<std::vector<signing::Attached>> written =
        signing::PushSignatureAndAttestations(
            signing_client, ref->Name(), digest, predicates, *key, *random);
    if (!written.ok()) return written.error();
    attached = std::move(*written);
    attestation_count = static_cast<int>(predicates.size());
    sign_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - sign_started)
                  .count();
    return Status::Ok();
  };
  Result<PushOutcome> outcome = PushLayout(
      client, *layout, ref->tag, sbom, key.has_value() ? sign : BeforeTag());
  client.AddStats(signing_client.stats());
  if (!outcome.ok()) return fail(outcome.message());
  const TransferStats& stats = client.stats();
  std::printf("push: %d blobs uploaded (%lld bytes), %d already present\n",
              stats.blobs_uploaded,
              static_cast<long long>(stats.bytes_uploaded),
              stats.blobs_present);
  std::printf("%s@%s\n", ref->Name().c_str(), outcome->digest.c_str());
  if (!outcome->sbom_tag.empty()) {
    std::printf("sbom: %s:%s@%s\n", ref->Name().c_str(),
                outcome->sbom_tag.c_str(), outcome->sbom_digest.c_str());
  }
  for (const signing::Attached& a : attached) {
    std::printf("signed: %s:%s@%s\n", ref->Name().c_str(), a.tag.c_str(),
                a.manifest_digest.c_str());
  }
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  std::printf("push: %lld ms\n", static_cast<long long>(elapsed.count()));
  if (auto report = flags->Get("report")) {
    nlohmann::json data = {
        {"command", "push"},
        {"reference", ref->Name() + ":" + ref->tag},
        {"repository", ref->Name()},
        {"digest", outcome->digest},
        {"blobs_uploaded", stats.blobs_uploaded},
        {"bytes_uploaded", stats.bytes_uploaded},
        {"blobs_present", stats.blobs_present},
        {"duration_ms", elapsed.count()},
    };
    if (!outcome->sbom_tag.empty()) {
      data["sbom_tag"] = outcome->sbom_tag;
      data["sbom_digest"] = outcome->sbom_digest;
    }
    if (key.has_value()) {
      data["key_id"] = key->Public().KeyId();
      // sign_ms is the signing's own time; sign_added_ms what it added to
      // the push, since it ran while the image uploaded.
      data["sign_ms"] = sign_ms;
      data["sign_added_ms"] = outcome->before_tag_wait_ms;
      data["signature_tag"] = signing::SignatureTag(outcome->digest);
      data["attestations"] = attestation_count;
    }
    if (Status written = release::WriteReport(*report, data); !written.ok()) {
      return fail(written.message());
    }
  }
  return 0;
}

}  // namespace staticship::registry
