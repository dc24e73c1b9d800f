#include "release/registry/testing/test_image.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "release/common/sha256.h"
#include "release/sbom/linked_inputs.h"

namespace staticship::registry::testing {

release::Descriptor WriteTestImage(release::OciLayout& layout,
                                   const std::string& arch,
                                   const std::string& layer_bytes,
                                   const std::string& linked_inputs) {
  auto layer = layout.WriteBlob(layer_bytes, release::kMediaTypeLayerGzip);
  EXPECT_TRUE(layer.ok());
  nlohmann::ordered_json config;
  config["architecture"] = arch;
  config["os"] = "linux";
  config["rootfs"] = {{"type", "layers"},
                      {"diff_ids", {release::Sha256Digest("x")}}};
  if (!linked_inputs.empty()) {
    config["config"]["Labels"][release::kLinkedInputsLabel] = linked_inputs;
  }
  auto config_desc =
      layout.WriteBlob(config.dump(), release::kMediaTypeImageConfig);
  EXPECT_TRUE(config_desc.ok());
  nlohmann::ordered_json manifest;
  manifest["schemaVersion"] = 2;
  manifest["mediaType"] = release::kMediaTypeImageManifest;
  manifest["config"] = {{"mediaType", release::kMediaTypeImageConfig},
                        {"digest", config_desc->digest},
                        {"size", config_desc->size}};
  manifest["layers"] = {{{"mediaType", release::kMediaTypeLayerGzip},
                         {"digest", layer->digest},
                         {"size", layer->size}}};
  auto desc =
      layout.WriteBlob(manifest.dump(), release::kMediaTypeImageManifest);
  EXPECT_TRUE(desc.ok());
  release::Descriptor out = *desc;
  out.media_type = release::kMediaTypeImageManifest;
  out.platform = release::Platform{"linux", arch, ""};
  return out;
}

RegistryClient FakeRegistryClient(HttpTransport& transport,
                                  const std::string& authority,
                                  const std::string& repository) {
  ClientOptions options;
  options.scheme = "http";  // the fake registry speaks no TLS
  options.sleep = [](std::chrono::milliseconds) {};
  return RegistryClient(transport, authority, repository, std::nullopt,
                        options);
}

}  // namespace staticship::registry::testing
