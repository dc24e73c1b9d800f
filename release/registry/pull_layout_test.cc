#include "release/registry/pull_layout.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "common/base/file.h"
#include "common/testing/temp_dir.h"
#include "release/common/oci_layout.h"
#include "release/registry/push.h"
#include "release/registry/testing/fake_registry.h"
#include "release/registry/testing/test_image.h"

namespace staticship::registry {
namespace {

namespace fs = std::filesystem;
using testing::FakeRegistry;
using testing::WriteTestImage;

// Every file of a directory tree, by relative path.
std::map<std::string, std::string> Tree(const fs::path& root) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file()) continue;
    Result<std::string> bytes = ReadWholeFile(entry.path());
    EXPECT_TRUE(bytes.ok());
    files[fs::relative(entry.path(), root).string()] = *bytes;
  }
  return files;
}

class PullLayoutTest : public ::testing::Test {
 protected:
  RegistryClient Client() {
    return testing::FakeRegistryClient(transport_, registry_.authority(),
                                       "svc/app");
  }
  std::string Push(const fs::path& layout_dir, const std::string& tag) {
    auto layout = release::OciLayout::Open(layout_dir);
    EXPECT_TRUE(layout.ok()) << layout.message();
    RegistryClient client = Client();
    auto pushed = PushLayout(client, *layout, tag, std::nullopt);
    EXPECT_TRUE(pushed.ok()) << pushed.message();
    return pushed.ok() ? pushed->digest : "";
  }

  staticship::testing::TempDir dir_;
  const fs::path root_{dir_.path()};
  FakeRegistry registry_{{}};
  SocketTransport transport_;
};

TEST_F(PullLayoutTest, SingleImageRoundTripsByteForByte) {
  auto layout = release::OciLayout::Create(root_ / "in");
  ASSERT_TRUE(layout.ok());
  release::Descriptor image = WriteTestImage(*layout, "amd64", "layer bytes");
  image.annotations[std::string(release::kAnnotationRefName)] = "v1";
  ASSERT_TRUE(layout->WriteIndex({image}).ok());
  const std::string digest = Push(root_ / "in", "v1");

  RegistryClient client = Client();
  auto pulled = PullLayout(client, digest, "v1", root_ / "out");
  ASSERT_TRUE(pulled.ok()) << pulled.message();
  EXPECT_EQ(pulled->blobs, 3);
  EXPECT_EQ(Tree(root_ / "out"), Tree(root_ / "in"));
}

TEST_F(PullLayoutTest, IndexRoundTripsWithEveryImage) {
  // What `shipctl index` writes: one index blob over two images.
  auto layout = release::OciLayout::Create(root_ / "in");
  ASSERT_TRUE(layout.ok());
  release::Descriptor amd = WriteTestImage(*layout, "amd64", "amd layer");
  release::Descriptor arm = WriteTestImage(*layout, "arm64", "arm layer");
  const std::string index_json = release::SerializeImageIndex({amd, arm});
  auto index = layout->WriteBlob(index_json);
  ASSERT_TRUE(index.ok());
  release::Descriptor root = *index;
  root.media_type = release::kMediaTypeImageIndex;
  root.annotations[std::string(release::kAnnotationRefName)] = "multi";
  ASSERT_TRUE(layout->WriteIndex({root}).ok());
  const std::string digest = Push(root_ / "in", "multi");
  ASSERT_EQ(digest, root.digest);

  RegistryClient client = Client();
  auto pulled = PullLayout(client, digest, "multi", root_ / "out");
  ASSERT_TRUE(pulled.ok()) << pulled.message();
  EXPECT_EQ(pulled->media_type, release::kMediaTypeImageIndex);
  EXPECT_EQ(Tree(root_ / "out"), Tree(root_ / "in"));
}

TEST_F(PullLayoutTest, ExistingOutputIsLeftAlone) {
  fs::create_directories(root_ / "out");
  ASSERT_TRUE(WriteFileAtomically(root_ / "out" / "keep", "mine").ok());
  RegistryClient client = Client();
  auto pulled = PullLayout(
      client,
      "sha256:0000000000000000000000000000000000000000000000000000000000000000",
      "v1", root_ / "out");
  ASSERT_FALSE(pulled.ok());
  EXPECT_EQ(pulled.code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(*ReadWholeFile(root_ / "out" / "keep"), "mine");
}

TEST_F(PullLayoutTest, MissingImageLeavesNothing) {
  RegistryClient client = Client();
  auto pulled = PullLayout(
      client,
      "sha256:0000000000000000000000000000000000000000000000000000000000000000",
      "v1", root_ / "out");
  ASSERT_FALSE(pulled.ok());
  EXPECT_EQ(pulled.code(), ErrorCode::kNotFound) << pulled.message();
  EXPECT_TRUE(fs::is_empty(root_)) << "no layout, no staging directory";
}

}  // namespace
}  // namespace staticship::registry
