#include "release/registry/push.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "common/base/file.h"
#include "common/testing/temp_dir.h"
#include "release/common/oci_layout.h"
#include "release/common/sha256.h"
#include "release/registry/testing/fake_registry.h"
#include "release/registry/testing/test_image.h"
#include "release/sbom/linked_inputs.h"
#include "release/signing/cosign_artifact.h"
#include "release/signing/dsse.h"
#include "release/signing/key_file.h"
#include "release/signing/random.h"
#include "release/signing/simple_signing.h"

namespace staticship::registry {
namespace {

namespace fs = std::filesystem;
using testing::AuthMode;
using testing::FakeRegistry;
using testing::FakeRegistryOptions;
using testing::WriteTestImage;

class PushTest : public ::testing::Test {
 protected:
  RegistryClient Client(FakeRegistry& registry) {
    return testing::FakeRegistryClient(transport_, registry.authority(),
                                       "svc/gateway");
  }
  staticship::testing::TempDir dir_;
  const fs::path root_{dir_.path()};
  SocketTransport transport_;
};

TEST_F(PushTest, PushesImageThenSecondPushUploadsNothing) {
  auto layout = release::OciLayout::Create(root_ / "layout");
  ASSERT_TRUE(layout.ok()) << layout.message();
  release::Descriptor image = WriteTestImage(*layout, "amd64", "layer-1");
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
  release::Descriptor amd = WriteTestImage(*layout, "amd64", "layer-amd");
  release::Descriptor arm = WriteTestImage(*layout, "arm64", "layer-arm");
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
  release::Descriptor image = WriteTestImage(*layout, "amd64", "layer-s");
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
  release::Descriptor image = WriteTestImage(*layout, "amd64", "layer-c");
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
  release::Descriptor image = WriteTestImage(*layout, "amd64", "layer-cli");
  ASSERT_TRUE(layout->WriteIndex({image}).ok());
  FakeRegistryOptions options;
  options.auth = AuthMode::kBasic;
  FakeRegistry registry(options);
  const fs::path auth = root_ / "auth";
  ASSERT_TRUE(WriteFileAtomically(auth, "ship:Wr0ng-Passw0rd\n").ok());
  std::string layout_arg = (root_ / "cli").string();
  std::string ref_arg = registry.authority() + "/svc/gateway:v1";
  std::string auth_arg = auth.string();
  std::vector<char*> args = {const_cast<char*>("--layout"),
                             layout_arg.data(),
                             const_cast<char*>("--ref"),
                             ref_arg.data(),
                             const_cast<char*>("--auth-file"),
                             auth_arg.data(),
                             const_cast<char*>("--allow-incomplete-sbom"),
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

TEST_F(PushTest, TagIsTheLastWriteAfterSbomAndSigning) {
  auto layout = release::OciLayout::Create(root_ / "order");
  ASSERT_TRUE(layout.ok());
  release::Descriptor image = WriteTestImage(*layout, "amd64", "layer-o");
  ASSERT_TRUE(layout->WriteIndex({image}).ok());
  ASSERT_TRUE(WriteFileAtomically(root_ / "o.spdx.json", "{}").ok());
  FakeRegistry registry({});
  RegistryClient client = Client(registry);
  ASSERT_TRUE(client.Authenticate("pull,push").ok());
  // It runs beside the upload (it needs only the digest), so it can see
  // neither the image nor the tag for certain; the tag must wait for it.
  std::atomic<bool> ran = false;
  BeforeTag check = [&](const std::string& digest) -> Status {
    EXPECT_EQ(digest, image.digest);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ran = true;
    return Status::Ok();
  };
  auto outcome =
      PushLayout(client, *layout, "v3", root_ / "o.spdx.json", check);
  ASSERT_TRUE(outcome.ok()) << outcome.message();
  EXPECT_TRUE(ran);
  EXPECT_EQ(release::Sha256Digest(registry.ManifestBytes("v3")), image.digest);
  std::string last_put;
  for (const auto& r : registry.requests()) {
    if (r.method == "PUT" && r.target.find("/manifests/") != std::string::npos)
      last_put = r.target;
  }
  EXPECT_TRUE(last_put.ends_with("/manifests/v3")) << last_put;
}

TEST_F(PushTest, FailedSigningLeavesTheTagAlone) {
  auto layout = release::OciLayout::Create(root_ / "nosign");
  ASSERT_TRUE(layout.ok());
  release::Descriptor image = WriteTestImage(*layout, "amd64", "layer-n");
  ASSERT_TRUE(layout->WriteIndex({image}).ok());
  FakeRegistry registry({});
  RegistryClient client = Client(registry);
  ASSERT_TRUE(client.Authenticate("pull,push").ok());
  auto outcome = PushLayout(
      client, *layout, "v4", std::nullopt,
      [](const std::string&) -> Status { return MakeError("signing failed"); });
  ASSERT_FALSE(outcome.ok());
  EXPECT_TRUE(registry.ManifestBytes("v4").empty());
}

TEST_F(PushTest, SbomMustNameEveryLinkedInput) {
  auto layout = release::OciLayout::Create(root_ / "complete");
  ASSERT_TRUE(layout.ok());
  release::Descriptor image = WriteTestImage(*layout, "amd64", "layer-l",
                                             "pkg:generic/a@1 pkg:generic/b@2");
  ASSERT_TRUE(layout->WriteIndex({image}).ok());
  auto sbom_naming = [&](std::vector<std::string> purls) {
    nlohmann::json doc;
    doc["packages"] = nlohmann::json::array();
    for (const auto& purl : purls) {
      doc["packages"].push_back(
          {{"externalRefs",
            {{{"referenceType", "purl"}, {"referenceLocator", purl}}}}});
    }
    EXPECT_TRUE(WriteFileAtomically(root_ / "s.json", doc.dump()).ok());
    return CheckSbomComplete(*layout, root_ / "s.json");
  };
  EXPECT_TRUE(sbom_naming({"pkg:generic/b@2", "pkg:generic/a@1"}).ok());
  Status missing = sbom_naming({"pkg:generic/a@1"});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.message().find("does not name pkg:generic/b@2"),
            std::string::npos)
      << missing.message();
  EXPECT_FALSE(CheckSbomComplete(*layout, std::nullopt).ok());

  auto unlabelled = release::OciLayout::Create(root_ / "unlabelled");
  ASSERT_TRUE(unlabelled.ok());
  release::Descriptor plain = WriteTestImage(*unlabelled, "amd64", "layer-u");
  ASSERT_TRUE(unlabelled->WriteIndex({plain}).ok());
  Status no_label = CheckSbomComplete(*unlabelled, root_ / "s.json");
  ASSERT_FALSE(no_label.ok());
  EXPECT_NE(no_label.message().find(release::kLinkedInputsLabel),
            std::string::npos);
}

TEST_F(PushTest, CommandLineSignsAndAttestsBeforeTagging) {
  auto layout = release::OciLayout::Create(root_ / "signed");
  ASSERT_TRUE(layout.ok());
  release::Descriptor image =
      WriteTestImage(*layout, "amd64", "layer-signed", "pkg:generic/a@1");
  ASSERT_TRUE(layout->WriteIndex({image}).ok());
  const std::string sbom =
      R"({"packages":[{"externalRefs":[{"referenceType":"purl","referenceLocator":"pkg:generic/a@1"}]}]})";
  ASSERT_TRUE(WriteFileAtomically(root_ / "signed.spdx.json", sbom).ok());
  ASSERT_TRUE(WriteFileAtomically(root_ / "prov.json", R"({"p":1})").ok());
  auto random = signing::RandomSource::Create();
  ASSERT_TRUE(random.ok());
  std::string key_id;
  ASSERT_TRUE(signing::WriteNewKeyPair((root_ / "k").string(), std::nullopt,
                                       **random, &key_id)
                  .ok());
  FakeRegistry registry({});
  std::vector<std::string> argv = {
      "--layout",       (root_ / "signed").string(),
      "--ref",          registry.authority() + "/svc/gateway:v5",
      "--sbom",         (root_ / "signed.spdx.json").string(),
      "--sign-key",     (root_ / "k.key").string(),
      "--provenance",   (root_ / "prov.json").string(),
      "--insecure-http"};
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  int rc = RunPush(args);
  std::string out = ::testing::internal::GetCapturedStdout();
  std::string err = ::testing::internal::GetCapturedStderr();
  ASSERT_EQ(rc, 0) << err;
  auto pub = signing::ReadPublicKey(root_ / "k.pub");
  ASSERT_TRUE(pub.ok());

  const std::string sig_manifest =
      registry.ManifestBytes(signing::SignatureTag(image.digest));
  auto sig_layers = signing::ArtifactLayers(sig_manifest);
  ASSERT_TRUE(sig_layers.ok()) << sig_manifest;
  ASSERT_EQ(sig_layers->size(), 1u);
  EXPECT_EQ((*sig_layers)[0].media_type, signing::kSimpleSigningMediaType);
  EXPECT_EQ((*sig_layers)[0].digest,
            release::Sha256Digest(signing::SimpleSigningPayload(
                registry.authority() + "/svc/gateway", image.digest)));

  auto att_layers = signing::ArtifactLayers(
      registry.ManifestBytes(signing::AttestationTag(image.digest)));
  ASSERT_TRUE(att_layers.ok());
  ASSERT_EQ(att_layers->size(), 2u);
  EXPECT_EQ((*att_layers)[0].annotations.at("predicateType"),
            "https://spdx.dev/Document");
  EXPECT_EQ((*att_layers)[1].annotations.at("predicateType"),
            "https://slsa.dev/provenance/v1");
  EXPECT_EQ((*att_layers)[1].media_type, signing::kDsseMediaType);
  EXPECT_EQ(release::Sha256Digest(registry.ManifestBytes("v5")), image.digest);
  EXPECT_NE(out.find("signed: "), std::string::npos) << out;

  // An incomplete SBOM is refused before anything is sent.
  ASSERT_TRUE(WriteFileAtomically(root_ / "signed.spdx.json", "{}").ok());
  argv[3] = registry.authority() + "/svc/gateway:v6";
  args.clear();
  for (auto& a : argv) args.push_back(a.data());
  const std::size_t before = registry.requests().size();
  ::testing::internal::CaptureStderr();
  rc = RunPush(args);
  err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(rc, 1);
  EXPECT_NE(err.find("does not name pkg:generic/a@1"), std::string::npos)
      << err;
  EXPECT_EQ(registry.requests().size(), before);
}

}  // namespace
}  // namespace staticship::registry
