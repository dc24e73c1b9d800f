#include "release/sbom/linked_inputs.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace staticship::release {
namespace {

TEST(LinkedInputs, LabelIsSortedUniqueAndReadBack) {
  LockedComponent zlib{.id = "zlib", .purl = "pkg:deb/debian/zlib@1"};
  LockedComponent musl{.id = "musl", .purl = "pkg:generic/musl@1.2.4"};
  SharedLibrary libc{.soname = "libc.so.6", .sha256_hex = "ab"};
  const std::string label = LinkedInputsLabel({zlib, musl, zlib}, {libc});
  EXPECT_EQ(label,
            "pkg:deb/debian/zlib@1 pkg:generic/libc.so.6?checksum=sha256:ab "
            "pkg:generic/musl@1.2.4");
  nlohmann::json config = {
      {"config", {{"Labels", {{kLinkedInputsLabel, label}}}}}};
  auto purls = LinkedInputsOfConfig(config.dump());
  ASSERT_TRUE(purls.ok()) << purls.message();
  ASSERT_TRUE(purls->has_value());
  EXPECT_EQ((*purls)->size(), 3u);
  EXPECT_EQ((*purls)->front(), "pkg:deb/debian/zlib@1");

  auto none = LinkedInputsOfConfig("{\"config\":{}}");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  EXPECT_FALSE(LinkedInputsOfConfig("[]").ok());
}

TEST(LinkedInputs, SbomThatDropsAPackageIsIncomplete) {
  SbomRequest request;
  request.repository = "staticship/x";
  request.tag = "latest";
  request.manifest_digest = "sha256:00";
  request.static_components = {
      {.id = "zlib", .version = "1", .purl = "pkg:deb/debian/zlib@1"},
      {.id = "musl", .version = "1.2.4", .purl = "pkg:generic/musl@1.2.4"}};
  request.shared_libraries = {{.soname = "libm.so.6",
                               .image_path = "/lib/libm.so.6",
                               .sha256_hex = "cd"}};
  const std::vector<std::string> linked = {
      "pkg:deb/debian/zlib@1", "pkg:generic/musl@1.2.4",
      "pkg:generic/libm.so.6?checksum=sha256:cd"};
  nlohmann::json spdx = nlohmann::json::parse(SpdxJson(request));
  EXPECT_TRUE(MissingFromSbom(spdx, linked).empty());

  auto& packages = spdx["packages"];
  for (auto it = packages.begin(); it != packages.end(); ++it) {
    if ((*it)["SPDXID"] == "SPDXRef-Package-zlib") {
      packages.erase(it);
      break;
    }
  }
  EXPECT_EQ(MissingFromSbom(spdx, linked),
            std::vector<std::string>{"pkg:deb/debian/zlib@1"});
  EXPECT_EQ(MissingFromSbom(nlohmann::json::object(), linked).size(), 3u);
}

}  // namespace
}  // namespace staticship::release
