#include "release/registry/pull.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "release/common/sha256.h"
#include "release/registry/testing/fake_registry.h"

namespace staticship::registry {
namespace {

using testing::FakeRegistry;

struct Stored {
  std::string manifest;
  std::string digest;
};

Stored StoreImage(FakeRegistry& registry, const std::string& arch,
                  const std::string& layer) {
  std::string config = R"({"architecture":")" + arch + R"(","os":"linux"})";
  registry.PutBlob(release::Sha256Digest(config), config);
  registry.PutBlob(release::Sha256Digest(layer), layer);
  nlohmann::ordered_json m;
  m["schemaVersion"] = 2;
  m["mediaType"] = "application/vnd.oci.image.manifest.v1+json";
  m["config"] = {{"mediaType", "application/vnd.oci.image.config.v1+json"},
                 {"digest", release::Sha256Digest(config)},
                 {"size", config.size()}};
  m["layers"] = {{{"mediaType", "application/vnd.oci.image.layer.v1.tar+gzip"},
                  {"digest", release::Sha256Digest(layer)},
                  {"size", layer.size()}}};
  Stored s{m.dump(), release::Sha256Digest(m.dump())};
  registry.PutManifest(s.digest, "application/vnd.oci.image.manifest.v1+json",
                       s.manifest);
  return s;
}

ClientOptions Fast() {
  ClientOptions o;
  o.scheme = "http";  // the fake registry
  o.sleep = [](std::chrono::milliseconds) {};
  return o;
}

TEST(PullTest, PullsManifestConfigAndLayersByDigest) {
  FakeRegistry registry({});
  Stored image = StoreImage(registry, "amd64", "layer-bytes");
  SocketTransport transport;
  RegistryClient client(transport, registry.authority(), "svc/a", std::nullopt,
                        Fast());
  ASSERT_TRUE(client.Authenticate("pull").ok());
  Result<PulledImage> pulled = PullImage(client, image.digest, "linux/amd64");
  ASSERT_TRUE(pulled.ok()) << pulled.message();
  EXPECT_EQ(pulled->manifest_digest, image.digest);
  ASSERT_EQ(pulled->layers.size(), 1u);
  EXPECT_EQ(pulled->layers[0].bytes, "layer-bytes");
  EXPECT_NE(pulled->config.find("amd64"), std::string::npos);
}

TEST(PullTest, PicksThePlatformFromAnIndex) {
  FakeRegistry registry({});
  Stored amd = StoreImage(registry, "amd64", "amd-layer");
  Stored arm = StoreImage(registry, "arm64", "arm-layer");
  nlohmann::ordered_json index;
  index["schemaVersion"] = 2;
  index["mediaType"] = "application/vnd.oci.image.index.v1+json";
  index["manifests"] = {
      {{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
       {"digest", amd.digest},
       {"size", amd.manifest.size()},
       {"platform", {{"architecture", "amd64"}, {"os", "linux"}}}},
      {{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
       {"digest", arm.digest},
       {"size", arm.manifest.size()},
       {"platform", {{"architecture", "arm64"}, {"os", "linux"}}}}};
  registry.PutManifest("multi", "application/vnd.oci.image.index.v1+json",
                       index.dump());
  SocketTransport transport;
  RegistryClient client(transport, registry.authority(), "svc/a", std::nullopt,
                        Fast());
  Result<PulledImage> pulled =
      PullImage(client, release::Sha256Digest(index.dump()), "linux/arm64");
  ASSERT_TRUE(pulled.ok()) << pulled.message();
  EXPECT_EQ(pulled->manifest_digest, arm.digest);
  EXPECT_EQ(pulled->layers[0].bytes, "arm-layer");
  EXPECT_FALSE(PullImage(client, "multi", "linux/s390x").ok());
}

TEST(PullTest, TamperedLayerFailsThePull) {
  FakeRegistry registry({});
  Stored image = StoreImage(registry, "amd64", "good-layer");
  registry.PutBlob(release::Sha256Digest("good-layer"), "evil-layer");
  SocketTransport transport;
  RegistryClient client(transport, registry.authority(), "svc/a", std::nullopt,
                        Fast());
  Result<PulledImage> pulled = PullImage(client, image.digest, "linux/amd64");
  ASSERT_FALSE(pulled.ok());
  EXPECT_NE(pulled.message().find("arrived with digest"), std::string::npos);
}

}  // namespace
}  // namespace staticship::registry
