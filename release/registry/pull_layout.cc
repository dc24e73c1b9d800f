#include "release/registry/pull_layout.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <set>
#include <system_error>

#include "common/base/flags.h"
#include "release/common/oci_layout.h"
#include "release/common/report.h"
#include "release/common/sha256.h"
#include "release/registry/connection_flags.h"
#include "release/registry/reference.h"

namespace staticship::registry {
namespace {

namespace fs = std::filesystem;

bool IsIndexType(std::string_view type) {
  return type == release::kMediaTypeImageIndex ||
         type == "application/vnd.docker.distribution.manifest.list.v2+json";
}

std::string DigestOf(const nlohmann::json& descriptor) {
  return descriptor.is_object() && descriptor.contains("digest") &&
                 descriptor["digest"].is_string()
             ? descriptor["digest"].get<std::string>()
             : "";
}

class LayoutPuller {
 public:
  LayoutPuller(RegistryClient& client, release::OciLayout& layout)
      : client_(client), layout_(layout) {}

  Status Blob(const std::string& digest, std::string* bytes_out = nullptr) {
    if (!release::IsSha256Digest(digest)) {
      return MakeError("manifest names a blob by an unsupported digest '" +
                       digest + "'");
    }
    if (!done_.insert(digest).second && bytes_out == nullptr) {
      return Status::Ok();
    }
    Result<std::string> bytes = client_.GetBlob(digest);
    if (!bytes.ok()) return bytes.error();
    Result<release::Descriptor> written = layout_.WriteBlob(*bytes);
    if (!written.ok()) return written.error();
    ++outcome_.blobs;
    outcome_.bytes += static_cast<std::int64_t>(bytes->size());
    if (bytes_out != nullptr) *bytes_out = std::move(*bytes);
    return Status::Ok();
  }

  // Stores a manifest or index and everything it references; returns its
  // media type.
  Result<Manifest> Node(const std::string& digest, int depth) {
    if (depth > 4) return MakeError("image index nested too deeply");
    Result<Manifest> manifest = client_.GetManifest(digest);
    if (!manifest.ok()) return manifest.error();
    nlohmann::json doc = nlohmann::json::parse(manifest->bytes, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) {
      return MakeError("manifest " + digest + " is not a JSON object");
    }
    if (IsIndexType(manifest->media_type)) {
      for (const auto& child :
           doc.value("manifests", nlohmann::json::array())) {
        Result<Manifest> pulled = Node(DigestOf(child), depth + 1);
        if (!pulled.ok()) return pulled.error();
      }
    } else {
      if (!doc.contains("config")) {
        return MakeError("manifest " + digest + " has no config");
      }
      if (Status s = Blob(DigestOf(doc["config"])); !s.ok()) return s.error();
      for (const auto& layer : doc.value("layers", nlohmann::json::array())) {
        if (Status s = Blob(DigestOf(layer)); !s.ok()) return s.error();
      }
    }
    Result<release::Descriptor> written = layout_.WriteBlob(manifest->bytes);
    if (!written.ok()) return written.error();
    ++outcome_.blobs;
    outcome_.bytes += static_cast<std::int64_t>(manifest->bytes.size());
    return manifest;
  }

  // The platform an image manifest's config declares.
  Result<release::Platform> PlatformOf(const std::string& manifest_bytes) {
    nlohmann::json doc = nlohmann::json::parse(manifest_bytes, nullptr, false);
    const std::string config_digest = doc.is_object() && doc.contains("config")
                                          ? DigestOf(doc["config"])
                                          : "";
    Result<std::string> config = layout_.ReadBlob(config_digest);
    if (!config.ok()) return config.error();
    nlohmann::json cfg = nlohmann::json::parse(*config, nullptr, false);
    if (!cfg.is_object()) return MakeError("image config is not JSON");
    auto field = [&](const char* key) {
      return cfg.contains(key) && cfg[key].is_string()
                 ? cfg[key].get<std::string>()
                 : std::string();
    };
    return release::Platform{field("os"), field("architecture"),
                             field("variant")};
  }

  PullLayoutOutcome& outcome() { return outcome_; }

 private:
  RegistryClient& client_;
  release::OciLayout& layout_;
  std::set<std::string> done_;
  PullLayoutOutcome outcome_;
};

}  // namespace

Result<PullLayoutOutcome> PullLayout(RegistryClient& client,
                                     std::string_view digest,
                                     std::string_view tag,
                                     const fs::path& out) {
  std::error_code ec;
  if (fs::exists(out, ec)) {
    return MakeError(ErrorCode::kAlreadyExists,
                     out.string() + " already exists: not overwriting it");
  }
  const fs::path staging =
      out.parent_path() / ("." + out.filename().string() + ".pulling-" +
                           std::to_string(::getpid()));
  fs::remove_all(staging, ec);
  auto fail = [&](Error error) {
    fs::remove_all(staging, ec);
    return error;
  };
  Result<release::OciLayout> layout = release::OciLayout::Create(staging);
  if (!layout.ok()) return fail(layout.error());
  LayoutPuller puller(client, *layout);
  Result<Manifest> root = puller.Node(std::string(digest), 0);
  if (!root.ok()) return fail(root.error());
  release::Descriptor descriptor{
      root->media_type.empty() ? std::string(release::kMediaTypeImageManifest)
                               : root->media_type,
      root->digest,
      static_cast<std::int64_t>(root->bytes.size()),
      std::nullopt,
      {{std::string(release::kAnnotationRefName), std::string(tag)}}};
  if (!IsIndexType(descriptor.media_type)) {
    Result<release::Platform> platform = puller.PlatformOf(root->bytes);
    if (!platform.ok()) return fail(platform.error());
    descriptor.platform = *platform;
  }
  if (Status s = layout->WriteIndex({descriptor}); !s.ok()) {
    return fail(s.error());
  }
  fs::rename(staging, out, ec);
  if (ec) {
    return fail(MakeError("cannot move the layout into " + out.string() + ": " +
                          ec.message()));
  }
  PullLayoutOutcome outcome = puller.outcome();
  outcome.media_type = descriptor.media_type;
  return outcome;
}

int RunPull(std::span<char* const> args) {
  const std::string usage =
      std::string(
          "usage: shipctl pull --ref HOST:PORT/REPO[:TAG]@sha256:... "
          "--out-layout DIR\n") +
      kConnectionFlagsUsage +
      "         [--tag latest]    (index.json's ref.name when --ref has no "
      "tag)\n"
      "         [--report FILE]   (JSON: digest, blobs, bytes, duration_ms)\n";
  const auto started = std::chrono::steady_clock::now();
  FlagSpec spec{.values = {"ref", "out-layout", "tag", "report"},
                .switches = {"help"}};
  AddConnectionFlags(&spec);
  auto [flags, exit_code] = ParseCommand("pull", args, spec, usage);
  if (!flags) return exit_code;
  const CommandFailure fail("pull");
  Result<std::string> ref_text = flags->Require("ref");
  if (!ref_text.ok()) return fail(ref_text.message());
  Result<Reference> ref = ParseReference(*ref_text);
  if (!ref.ok()) return fail(ref.message());
  if (ref->digest.empty()) {
    return fail(
        "--ref must name a digest (HOST:PORT/REPO@sha256:...): a tag "
        "can move between pulls");
  }
  Result<std::string> out = flags->Require("out-layout");
  if (!out.ok()) return fail(out.message());
  const std::string tag =
      !ref->tag.empty() ? ref->tag : flags->GetOr("tag", "latest");
  Result<ConnectionFlags> connection_flags =
      ReadConnectionFlags(*flags, std::chrono::seconds(60));
  if (!connection_flags.ok()) return fail(connection_flags.message());
  Result<std::unique_ptr<RegistryConnection>> connection =
      RegistryConnection::Open(
          *connection_flags, *ref, "pull",
          [](const char* name) { return std::getenv(name); });
  if (!connection.ok()) return fail(connection.message());
  Result<PullLayoutOutcome> outcome =
      PullLayout((*connection)->client(), ref->digest, tag, *out);
  if (!outcome.ok()) return fail(outcome.message());
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  std::printf("pull: %d blobs (%lld bytes) into %s\n", outcome->blobs,
              static_cast<long long>(outcome->bytes), out->c_str());
  std::printf("%s@%s\n", ref->Name().c_str(), ref->digest.c_str());
  std::printf("pull: %lld ms\n", static_cast<long long>(elapsed.count()));
  if (auto report = flags->Get("report")) {
    nlohmann::json data = {
        {"command", "pull"},
        {"repository", ref->Name()},
        {"digest", ref->digest},
        {"media_type", outcome->media_type},
        {"blobs", outcome->blobs},
        {"bytes", outcome->bytes},
        {"duration_ms", elapsed.count()},
    };
    if (Status written = release::WriteReport(*report, data); !written.ok()) {
      return fail(written.message());
    }
  }
  return 0;
}

}  // namespace staticship::registry
