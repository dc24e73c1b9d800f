#include "release/registry/pull.h"

#include <nlohmann/json.hpp>

namespace staticship::registry {
namespace {

bool IsIndex(std::string_view type) {
  return type == "application/vnd.oci.image.index.v1+json" ||
         type == "application/vnd.docker.distribution.manifest.list.v2+json";
}

}  // namespace

std::string HostPlatform() {
#if defined(__aarch64__)
  return "linux/arm64";
#else
  return "linux/amd64";
#endif
}

Result<PulledImage> PullImageMetadata(RegistryClient& client,
                                      std::string_view reference,
                                      std::string_view platform) {
  Result<Manifest> manifest = client.GetManifest(reference);
  if (!manifest.ok()) return manifest.error();
  PulledImage image;
  image.bytes += static_cast<std::int64_t>(manifest->bytes.size());
  if (IsIndex(manifest->media_type)) {
    nlohmann::json index =
        nlohmann::json::parse(manifest->bytes, nullptr, false);
    std::string chosen;
    if (index.is_object() && index.contains("manifests") &&
        index["manifests"].is_array()) {
      for (const auto& entry : index["manifests"]) {
        if (!entry.contains("platform") || !entry["platform"].is_object())
          continue;
        const auto& p = entry["platform"];
        std::string name =
            p.value("os", "") + "/" + p.value("architecture", "");
        if (name == platform && entry.contains("digest") &&
            entry["digest"].is_string()) {
          chosen = entry["digest"].get<std::string>();
          break;
        }
      }
    }
    if (chosen.empty()) {
      return MakeError("image index " + std::string(reference) + " has no " +
                       std::string(platform) + " image");
    }
    manifest = client.GetManifest(chosen);
    if (!manifest.ok()) return manifest.error();
    image.bytes += static_cast<std::int64_t>(manifest->bytes.size());
  }
  image.manifest_digest = manifest->digest;
  nlohmann::json doc = nlohmann::json::parse(manifest->bytes, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("config") ||
      !doc["config"].is_object() || !doc["config"].contains("digest")) {
    return MakeError("manifest " + manifest->digest + " has no config");
  }
  auto digest_of = [](const nlohmann::json& d) -> std::string {
    return d.contains("digest") && d["digest"].is_string()
               ? d["digest"].get<std::string>()
               : "";
  };
  Result<std::string> config = client.GetBlob(digest_of(doc["config"]));
  if (!config.ok()) return config.error();
  image.bytes += static_cast<std::int64_t>(config->size());
  image.config = std::move(config.value());
  for (const auto& layer : doc.value("layers", nlohmann::json::array())) {
    image.layers.push_back(
        {layer.value("mediaType", ""), digest_of(layer), ""});
  }
  return image;
}

Status PullLayers(RegistryClient& client, PulledImage* image) {
  for (PulledLayer& layer : image->layers) {
    if (!layer.bytes.empty()) continue;
    Result<std::string> bytes = client.GetBlob(layer.digest);
    if (!bytes.ok()) return WithContext(bytes.error(), "layer " + layer.digest);
    image->bytes += static_cast<std::int64_t>(bytes->size());
    layer.bytes = std::move(bytes.value());
  }
  return Status::Ok();
}

Result<PulledImage> PullImage(RegistryClient& client,
                              std::string_view reference,
                              std::string_view platform) {
  Result<PulledImage> image = PullImageMetadata(client, reference, platform);
  if (!image.ok()) return image.error();
  if (Status pulled = PullLayers(client, &*image); !pulled.ok()) {
    return pulled.error();
  }
  return image;
}

}  // namespace staticship::registry
