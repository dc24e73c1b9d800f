#include "release/signing/cosign_artifact.h"

#include <nlohmann/json.hpp>

#include "common/base/base64.h"
#include "release/common/oci_layout.h"
#include "release/common/sha256.h"

namespace staticship::signing {
namespace {

using ordered_json = nlohmann::ordered_json;

std::string Tag(std::string_view digest, std::string_view suffix) {
  return "sha256-" + std::string(release::DigestHex(digest)) +
         std::string(suffix);
}

ordered_json LayerJson(const ArtifactLayerRef& layer) {
  ordered_json out;
  out["mediaType"] = layer.media_type;
  out["size"] = layer.size;
  out["digest"] = layer.digest;
  if (!layer.data.empty()) out["data"] = Base64Encode(layer.data);
  if (!layer.annotations.empty()) {
    out["annotations"] = ordered_json::object();
    for (const auto& [key, value] : layer.annotations) {
      out["annotations"][key] = value;
    }
  }
  return out;
}

}  // namespace

std::string SignatureTag(std::string_view manifest_digest) {
  return Tag(manifest_digest, ".sig");
}

std::string AttestationTag(std::string_view manifest_digest) {
  return Tag(manifest_digest, ".att");
}

Result<std::vector<ArtifactLayerRef>> ArtifactLayers(
    std::string_view manifest) {
  const nlohmann::json doc = nlohmann::json::parse(manifest, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("layers") ||
      !doc["layers"].is_array()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "artifact manifest has no layers");
  }
  std::vector<ArtifactLayerRef> layers;
  for (const auto& entry : doc["layers"]) {
    if (!entry.is_object() || !entry.contains("digest") ||
        !entry["digest"].is_string() || !entry.contains("size") ||
        !entry["size"].is_number_integer()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "artifact manifest layer without digest or size");
    }
    ArtifactLayerRef layer;
    layer.media_type = entry.value("mediaType", "");
    layer.digest = entry["digest"].get<std::string>();
    layer.size = entry["size"].get<std::int64_t>();
    if (!release::IsSha256Digest(layer.digest)) {
      return MakeError(
          ErrorCode::kInvalidArgument,
          "artifact manifest names a layer by '" + layer.digest + "'");
    }
    // Embedded bytes that do not match the descriptor are ignored, not
    // trusted: the blob is then fetched and checked by its digest.
    if (entry.contains("data") && entry["data"].is_string()) {
      Result<std::string> data = Base64Decode(entry["data"].get<std::string>());
      if (data.ok() && static_cast<std::int64_t>(data->size()) == layer.size &&
          release::Sha256Digest(*data) == layer.digest) {
        layer.data = std::move(*data);
      }
    }
    if (entry.contains("annotations") && entry["annotations"].is_object()) {
      for (const auto& [key, value] : entry["annotations"].items()) {
        if (value.is_string()) layer.annotations[key] = value;
      }
    }
    layers.push_back(std::move(layer));
  }
  return layers;
}

Result<ArtifactManifest> AppendLayers(std::string_view existing,
                                      std::span<const ArtifactLayer> added) {
  std::vector<ArtifactLayerRef> layers;
  if (!existing.empty()) {
    Result<std::vector<ArtifactLayerRef>> parsed = ArtifactLayers(existing);
    if (!parsed.ok()) return parsed.error();
    layers = std::move(*parsed);
  }
  for (const ArtifactLayer& layer : added) {
    ArtifactLayerRef ref;
    ref.media_type = layer.media_type;
    ref.digest = release::Sha256Digest(layer.bytes);
    ref.size = static_cast<std::int64_t>(layer.bytes.size());
    ref.annotations = layer.annotations;
    if (ref.size <= kEmbeddedLayerLimit) ref.data = layer.bytes;
    bool present = false;
    for (const ArtifactLayerRef& l : layers) {
      present = present ||
                (l.digest == ref.digest && l.annotations == ref.annotations);
    }
    if (!present) layers.push_back(std::move(ref));
  }

  // cosign's config: empty platform, the zero time, a diff_id per layer.
  ordered_json config;
  config["architecture"] = "";
  config["created"] = "0001-01-01T00:00:00Z";
  config["history"] = ordered_json::array();
  config["os"] = "";
  config["rootfs"]["type"] = "layers";
  config["rootfs"]["diff_ids"] = ordered_json::array();
  for (const ArtifactLayerRef& l : layers) {
    config["history"].push_back({{"created", "0001-01-01T00:00:00Z"}});
    config["rootfs"]["diff_ids"].push_back(l.digest);
  }
  config["config"] = ordered_json::object();
  ArtifactManifest out;
  out.config = config.dump();

  ordered_json manifest;
  manifest["schemaVersion"] = 2;
  manifest["mediaType"] = release::kMediaTypeImageManifest;
  manifest["config"]["mediaType"] = release::kMediaTypeImageConfig;
  manifest["config"]["size"] = out.config.size();
  manifest["config"]["digest"] = release::Sha256Digest(out.config);
  manifest["layers"] = ordered_json::array();
  for (const ArtifactLayerRef& l : layers) {
    manifest["layers"].push_back(LayerJson(l));
  }
  out.manifest = manifest.dump();
  return out;
}

}  // namespace staticship::signing
