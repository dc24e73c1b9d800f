#include "release/registry/push.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <vector>

#include "common/base/file.h"
#include "common/testing/temp_dir.h"
#include "release/common/oci_layout.h"
#include "release/common/sha256.h"
#include "release/registry/testing/fake_registry.h"

namespace staticship::registry {
namespace {

namespace fs = std::filesystem;
using testing::AuthMode;
using testing::FakeRegistry;
using testing::FakeRegistryOptions;

// Writes a one-layer image; returns the manifest descriptor.
release::Descriptor WriteImage(release::OciLayout& layout,
                               const std::string& arch,
                               const std::string& layer_bytes) {
  auto layer = layout.WriteBlob(layer_bytes, release::kMediaTypeLayerGzip);
  EXPECT_TRUE(layer.ok());
  nlohmann::ordered_json config;
  config["architecture"] = arch;
  config["os"] = "linux";
  config["rootfs"] = {{"type", "layers"},
                      {"diff_ids", {release::Sha256Digest("x")}}};
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

class PushTest : public ::testing::Test {
 protected:
  RegistryClient Client(FakeRegistry& registry) {
    ClientOptions options;
    options.scheme = "http";  // the fake registry
    options.sleep = [](std::chrono::milliseconds) {};
    return RegistryClient(transport_, registry.authority(), "svc/gateway",
                          std::nullopt, options);
  }
  staticship::testing::TempDir dir_;
  const fs::path root_{dir_.path()};
  SocketTransport transport_;
};

TEST_F(PushTest, PushesImageThenSecondPushUploadsNothing) {
  auto layout = release::OciLayout::Create(root_ / "layout");
  ASSERT_TRUE(layout.ok()) << layout.message();
  release::Descriptor image = WriteImage(*layout, "amd64", "layer-1");
  image.annotations[std::string(release::kAnnotationRefName)] = "v1";
  ASSERT_TRUE(layout->WriteIndex({image}).ok());

  FakeRegistry registry({});
  {
    RegistryClient client = Client(registry);
    ASSERT_TRUE(client.Authenticate("pull,push").ok());
    Result<PushOutcome> outcome =
        PushLayout(client, *layout, "v1", std::nullopt);
    ASSERT_TRUE(outcome.ok()) << outcome.message();
    EXPECT_EQ(outcome->digest, image.digest);
    EXPECT_EQ(client.stats().blobs_uploaded, 2);
    EXPECT_EQ(registry.ManifestMediaType("v1"),
              release::kMediaTypeImageManifest);
  }
  {
    RegistryClient client = Client(registry);
    ASSERT_TRUE(client.Authenticate("pull,push").ok());
    Result<PushOutcome> again = PushLayout(client, *layout, "v1", std::nullopt);
    ASSERT_TRUE(again.ok()) << again.message();
    EXPECT_EQ(again->digest, image.digest);
    EXPECT_EQ(client.stats().blobs_uploaded, 0);
    EXPECT_EQ(client.stats().blobs_present, 2);
  }
  EXPECT_EQ(registry.CountRequests("POST", "/blobs/uploads/"), 2);
}

TEST_F(PushTest, PushesMultiPlatformIndexWithChildrenByDigest) {
  auto layout = release::OciLayout::Create(root_ / "multi");
  ASSERT_TRUE(layout.ok());
  release::Descriptor amd = WriteImage(*layout, "amd64", "layer-amd");
  release::Descriptor arm = WriteImage(*layout, "arm64", "layer-arm");
  ASSERT_TRUE(layout->WriteIndex({amd, arm}).ok());
  FakeRegistry registry({});
  RegistryClient client = Client(registry);
  ASSERT_TRUE(client.Authenticate("pull,push").ok());
  Result<PushOutcome> outcome =
      PushLayout(client, *layout, "multi", std::nullopt);
  ASSERT_TRUE(outcome.ok()) << outcome.message();
  EXPECT_EQ(outcome->media_type, release::kMediaTypeImageIndex);
  EXPECT_FALSE(registry.ManifestBytes(amd.digest).empty());
  EXPECT_FALSE(registry.ManifestBytes(arm.digest).empty());
  EXPECT_EQ(registry.ManifestMediaType("multi"), release::kMediaTypeImageIndex);
  EXPECT_EQ(release::Sha256Digest(registry.ManifestBytes("multi")),
            outcome->digest);
  // Shared config blob content differs per arch, so 4 distinct blobs.
  EXPECT_EQ(client.stats().blobs_uploaded, 4);
}

TEST_F(PushTest, AttachesSbomUnderCosignTag) {
  auto layout = release::OciLayout::Create(root_ / "withsbom");
  ASSERT_TRUE(layout.ok());
  release::Descriptor image = WriteImage(*layout, "amd64", "layer-s");
  ASSERT_TRUE(layout->WriteIndex({image}).ok());
  const std::string sbom = R"({"spdxVersion":"SPDX-2.3"})";
  ASSERT_TRUE(WriteFileAtomically(root_ / "img.spdx.json", sbom).ok());
  FakeRegistry registry({});
  RegistryClient client = Client(registry);
  ASSERT_TRUE(client.Authenticate("pull,push").ok());
  Result<PushOutcome> outcome =
      PushLayout(client, *layout, "v2", root_ / "img.spdx.json");
  ASSERT_TRUE(outcome.ok()) << outcome.message();
  const std::string tag =
      "sha256-" + std::string(release::DigestHex(image.digest)) + ".sbom";
  EXPECT_EQ(outcome->sbom_tag, tag);
  EXPECT_TRUE(registry.HasBlob(release::Sha256Digest(sbom)));
  auto manifest = nlohmann::json::parse(registry.ManifestBytes(tag));
  EXPECT_EQ(manifest["layers"][0]["mediaType"], "text/spdx+json");
  EXPECT_EQ(manifest["layers"][0]["digest"], release::Sha256Digest(sbom));
  EXPECT_EQ(MakeSbomArtifact(sbom).manifest, registry.ManifestBytes(tag))
      << "the artifact is deterministic";
}

TEST_F(PushTest, CorruptLayoutBlobIsNotPushed) {
  auto layout = release::OciLayout::Create(root_ / "corrupt");
  ASSERT_TRUE(layout.ok());
  release::Descriptor image = WriteImage(*layout, "amd64", "layer-c");
  ASSERT_TRUE(layout->WriteIndex({image}).ok());
  auto manifest = nlohmann::json::parse(*layout->ReadBlob(image.digest));
  std::string layer_digest = manifest["layers"][0]["digest"];
  fs::permissions(layout->BlobPath(layer_digest), fs::perms::owner_all);
  ASSERT_TRUE(WriteFileAtomically(layout->BlobPath(layer_digest), "evil").ok());
  FakeRegistry registry({});
  RegistryClient client = Client(registry);
  ASSERT_TRUE(client.Authenticate("pull,push").ok());
  Result<PushOutcome> outcome = PushLayout(client, *layout, "v1", std::nullopt);
  ASSERT_FALSE(outcome.ok());
  EXPECT_FALSE(registry.HasBlob(layer_digest));
  EXPECT_TRUE(registry.ManifestBytes("v1").empty());
}

TEST_F(PushTest, CommandLineWrongPasswordFailsWithoutPrintingIt) {
  auto layout = release::OciLayout::Create(root_ / "cli");
  ASSERT_TRUE(layout.ok());
  release::Descriptor image = WriteImage(*layout, "amd64", "layer-cli");
  ASSERT_TRUE(layout->WriteIndex({image}).ok());
  FakeRegistryOptions options;
  options.auth = AuthMode::kBasic;
  FakeRegistry registry(options);
  const fs::path auth = root_ / "auth";
  ASSERT_TRUE(WriteFileAtomically(auth, "ship:Wr0ng-Passw0rd\n").ok());
  std::string layout_arg = (root_ / "cli").string();
  std::string ref_arg = registry.authority() + "/svc/gateway:v1";
  std::string auth_arg = auth.string();
  std::vector<char*> args = {
      const_cast<char*>("--layout"),       layout_arg.data(),
      const_cast<char*>("--ref"),          ref_arg.data(),
      const_cast<char*>("--auth-file"),    auth_arg.data(),
      const_cast<char*>("--insecure-http")};
  ::testing::internal::CaptureStderr();
  ::testing::internal::CaptureStdout();
  int rc = RunPush(args);
  std::string out = ::testing::internal::GetCapturedStdout();
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(rc, 1);
  EXPECT_NE(err.find("401 Unauthorized: the registry rejected the credentials"),
            std::string::npos)
      << err;
  EXPECT_EQ((out + err).find("Wr0ng-Passw0rd"), std::string::npos);

  ASSERT_TRUE(WriteFileAtomically(auth, "ship:s3cret-pw\n").ok());
  ::testing::internal::CaptureStdout();
  rc = RunPush(args);
  out = ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(rc, 0);
  EXPECT_NE(out.find(registry.authority() + "/svc/gateway@" + image.digest),
            std::string::npos)
      << out;
  EXPECT_NE(out.find(" ms\n"), std::string::npos);

  // Without --insecure-http the same loopback registry is https: its plain
  // http answer is one line, and nothing more is sent.
  args.pop_back();
  const size_t requests_before = registry.requests().size();
  ::testing::internal::CaptureStderr();
  rc = RunPush(args);
  err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(rc, 1);
  EXPECT_NE(err.find("answered plain http, not TLS"), std::string::npos) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_EQ(registry.requests().size(), requests_before);
}

}  // namespace
}  // namespace staticship::registry
