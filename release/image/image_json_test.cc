#include "release/image/image_json.h"

#include <gtest/gtest.h>

#include "release/common/sha256.h"

namespace staticship::release {
namespace {

const std::string kDiffId =
    "sha256:40406f5ce627bcbfb929b0d14595a4e01719e1a44f19d95cc1b34c103e1a27e3";

TEST(ImageJsonTest, ConfigHasFixedKeyOrder) {
  ImageConfig c;
  c.architecture = "arm64";
  c.variant = "v8";
  c.entrypoint = {"/usr/local/bin/gateway"};
  c.cmd = {"--port=8080"};
  c.env = {"PATH=/usr/local/bin", "A=b"};
  c.working_dir = "/";
  c.exposed_ports = {"8080/tcp"};
  c.labels = {{"org.opencontainers.image.title", "gateway"},
              {"org.opencontainers.image.created", "1970-01-01T00:00:00Z"}};
  const std::string expected =
      R"({"created":"1970-01-01T00:00:00Z","architecture":"arm64","os":"linux",)"
      R"("variant":"v8","config":{"User":"65532:65532","ExposedPorts":{"8080/tcp":{}},)"
      R"("Env":["PATH=/usr/local/bin","A=b"],"Entrypoint":["/usr/local/bin/gateway"],)"
      R"("Cmd":["--port=8080"],"WorkingDir":"/","Labels":{)"
      R"("org.opencontainers.image.created":"1970-01-01T00:00:00Z",)"
      R"("org.opencontainers.image.title":"gateway"}},"rootfs":{"type":"layers",)"
      R"("diff_ids":[")" +
      kDiffId +
      R"("]},"history":[{"created":"1970-01-01T00:00:00Z","created_by":"staticship"}]})";
  EXPECT_EQ(ImageConfigJson(c, {kDiffId}), expected);
}

TEST(ImageJsonTest, EmptyFieldsAreOmittedNotNull) {
  ImageConfig c;
  c.architecture = "amd64";
  c.user = "";
  EXPECT_EQ(ImageConfigJson(c, {}),
            R"({"created":"1970-01-01T00:00:00Z","architecture":"amd64",)"
            R"("os":"linux","config":{},"rootfs":{"type":"layers",)"
            R"("diff_ids":[]},"history":[]})");
}

TEST(ImageJsonTest, ManifestBytesAndDigest) {
  const Descriptor config{std::string(kMediaTypeImageConfig),
                          Sha256Digest("config"),
                          6,
                          std::nullopt,
                          {}};
  const Descriptor layer{std::string(kMediaTypeLayerGzip),
                         Sha256Digest("layer"),
                         5,
                         std::nullopt,
                         {}};
  const std::string json = ImageManifestJson(
      config, {layer}, {{"org.opencontainers.image.title", "x"}});
  EXPECT_EQ(
      json,
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
      R"("config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" +
          config.digest +
          R"(","size":6},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip",)"
          R"("digest":")" +
          layer.digest +
          R"(","size":5}],"annotations":{"org.opencontainers.image.title":"x"}})");
  // The digest is over exactly these bytes; the expected hash was computed with
  // Python hashlib over the literal above of key order or whitespace in the
  // serializer.
  EXPECT_EQ(Sha256Digest(json),
            "sha256:"
            "0dd7104ed0e35d2312555925ab933ee227253dcfd8ca3bc0802ec8ef26be7afb");
}

TEST(ImageJsonTest, DockerManifest) {
  EXPECT_EQ(
      DockerManifestJson("c.json", {"repo/x:latest"}, {"l.tar.gz"}),
      R"([{"Config":"c.json","RepoTags":["repo/x:latest"],"Layers":["l.tar.gz"]}])");
}

}  // namespace
}  // namespace staticship::release
