#include "release/common/oci_layout.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "common/base/file.h"
#include "release/common/sha256.h"

namespace staticship::release {
namespace {

namespace fs = std::filesystem;

class OciLayoutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TEST_TMPDIR");
    root_ = fs::path(tmp ? tmp : "/tmp") /
            ("oci_layout_test_" + std::to_string(::getpid()));
    fs::remove_all(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  fs::path root_;
};

TEST_F(OciLayoutTest, CreateWritesMarkerAndBlobDir) {
  auto layout = OciLayout::Create(root_);
  ASSERT_TRUE(layout.ok()) << layout.message();
  auto marker = ReadWholeFile(root_ / "oci-layout");
  ASSERT_TRUE(marker.ok());
  EXPECT_EQ(*marker, R"({"imageLayoutVersion":"1.0.0"})");
  EXPECT_TRUE(fs::is_directory(root_ / "blobs" / "sha256"));
  EXPECT_TRUE(OciLayout::Open(root_).ok());
}

TEST_F(OciLayoutTest, OpenRejectsNonLayout) {
  fs::create_directories(root_);
  EXPECT_FALSE(OciLayout::Open(root_).ok());
  std::ofstream(root_ / "oci-layout") << R"({"imageLayoutVersion":"2.0.0"})";
  EXPECT_FALSE(OciLayout::Open(root_).ok());
}

TEST_F(OciLayoutTest, BlobRoundTripAndVerification) {
  auto layout = OciLayout::Create(root_);
  ASSERT_TRUE(layout.ok());
  auto d = layout->WriteBlob("hello", kMediaTypeImageConfig);
  ASSERT_TRUE(d.ok()) << d.message();
  EXPECT_EQ(d->digest,
            "sha256:"
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  EXPECT_EQ(d->size, 5);
  EXPECT_EQ(d->media_type, kMediaTypeImageConfig);
  EXPECT_TRUE(layout->HasBlob(d->digest));

  auto back = layout->ReadBlob(d->digest, 5);
  ASSERT_TRUE(back.ok()) << back.message();
  EXPECT_EQ(*back, "hello");
  EXPECT_TRUE(layout->VerifyBlob(d->digest, 5).ok());
  EXPECT_FALSE(layout->ReadBlob(d->digest, 6).ok());

  // Corrupt the blob: reads must now fail rather than return bad bytes.
  std::ofstream(layout->BlobPath(d->digest), std::ios::trunc) << "hellO";
  EXPECT_FALSE(layout->ReadBlob(d->digest).ok());
  EXPECT_FALSE(layout->VerifyBlob(d->digest).ok());
}

TEST_F(OciLayoutTest, RejectsMalformedDigests) {
  auto layout = OciLayout::Create(root_);
  ASSERT_TRUE(layout.ok());
  EXPECT_FALSE(layout->ReadBlob("sha256:../../oci-layout").ok());
  EXPECT_FALSE(layout->HasBlob("md5:abc"));
  EXPECT_FALSE(layout->ReadBlob(Sha256Digest("absent")).ok());
}

TEST_F(OciLayoutTest, AdoptBlobFileMovesIntoStore) {
  auto layout = OciLayout::Create(root_);
  ASSERT_TRUE(layout.ok());
  const fs::path temp = root_ / "layer.tmp";
  std::ofstream(temp) << "layer-bytes";
  const std::string digest = Sha256Digest("layer-bytes");
  ASSERT_TRUE(layout->AdoptBlobFile(temp, digest).ok());
  EXPECT_FALSE(fs::exists(temp));
  EXPECT_TRUE(layout->VerifyBlob(digest, 11).ok());
}

TEST_F(OciLayoutTest, IndexRoundTripWithFixedBytes) {
  auto layout = OciLayout::Create(root_);
  ASSERT_TRUE(layout.ok());
  Descriptor m;
  m.media_type = std::string(kMediaTypeImageManifest);
  m.digest = Sha256Digest("manifest");
  m.size = 8;
  m.platform = Platform{"linux", "arm64", "v8"};
  m.annotations[std::string(kAnnotationRefName)] = "latest";
  ASSERT_TRUE(layout->WriteIndex({m}).ok());

  auto bytes = ReadWholeFile(root_ / "index.json");
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(
      *bytes,
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" +
          m.digest +
          R"(","size":8,"platform":{"architecture":"arm64","os":"linux","variant":"v8"},"annotations":{"org.opencontainers.image.ref.name":"latest"}}]})");

  auto index = layout->ReadIndex();
  ASSERT_TRUE(index.ok()) << index.message();
  ASSERT_EQ(index->manifests.size(), 1u);
  EXPECT_EQ(index->manifests[0], m);
  EXPECT_EQ(index->raw, *bytes);
}

TEST(OciIndexParseTest, RejectsBadDocuments) {
  EXPECT_FALSE(ParseImageIndex("not json").ok());
  EXPECT_FALSE(ParseImageIndex(R"({"schemaVersion":1,"manifests":[]})").ok());
  EXPECT_FALSE(ParseImageIndex(R"({"schemaVersion":2})").ok());
  EXPECT_FALSE(
      ParseImageIndex(
          R"({"schemaVersion":2,"manifests":[{"mediaType":"x","digest":"sha256:zz","size":1}]})")
          .ok());
  EXPECT_TRUE(ParseImageIndex(R"({"schemaVersion":2,"manifests":[]})").ok());
}

}  // namespace
}  // namespace staticship::release
