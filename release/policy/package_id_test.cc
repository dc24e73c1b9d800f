#include "release/policy/package_id.h"

#include <gtest/gtest.h>

namespace staticship::policy {
namespace {

TEST(PackageUrlTest, ParsesEveryPart) {
  auto p = ParsePackageUrl(
      "pkg:deb/debian/yaml-cpp@0.7.0%2Bdfsg-8?arch=source&distro=bookworm#sub/"
      "dir");
  ASSERT_TRUE(p.ok()) << p.message();
  EXPECT_EQ(p->type, "deb");
  EXPECT_EQ(p->namespace_, "debian");
  EXPECT_EQ(p->name, "yaml-cpp");
  EXPECT_EQ(p->version, "0.7.0+dfsg-8");
  EXPECT_EQ(p->qualifiers.at("arch"), "source");
  EXPECT_EQ(p->qualifiers.at("distro"), "bookworm");
  EXPECT_EQ(p->subpath, "sub/dir");
  EXPECT_EQ(p->Identity(), "deb/debian/yaml-cpp");
}

TEST(PackageUrlTest, EpochAndScopedNames) {
  // purl-spec's own deb example carries the epoch in the version.
  auto p = ParsePackageUrl("pkg:deb/debian/attr@1:2.4.47-2?arch=source");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->version, "1:2.4.47-2");
  p = ParsePackageUrl("pkg:npm/%40ryoppippi/zig-linux-x64@0.11.0");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->namespace_, "@ryoppippi");
  EXPECT_EQ(p->name, "zig-linux-x64");
  p = ParsePackageUrl("pkg:generic/musl@1.2.4");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->namespace_, "");
  EXPECT_EQ(p->Identity(), "generic/musl");
}

TEST(PackageUrlTest, CanonicalFormMakesSpellingsEqual) {
  auto a =
      ParsePackageUrl("pkg:deb/debian/yaml-cpp@0.7.0%2Bdfsg-8?arch=source");
  auto b = ParsePackageUrl("PKG:DEB/Debian/YAML-CPP@0.7.0+dfsg-8?ARCH=source");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->Canonical(), b->Canonical());
  EXPECT_EQ(a->Canonical(),
            "pkg:deb/debian/yaml-cpp@0.7.0%2Bdfsg-8?arch=source");
  // Qualifiers are sorted; generic names keep their case.
  auto c = ParsePackageUrl("pkg:generic/Foo@1?b=2&a=1");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->Canonical(), "pkg:generic/Foo@1?a=1&b=2");
}

TEST(PackageUrlTest, MalformedAreErrors) {
  for (const char* bad :
       {"", "deb/debian/zlib", "pkg:", "pkg:deb", "pkg:/zlib",
        "pkg:deb/debian/zlib@1%2", "pkg:deb/", "pkg:deb/debian/zlib?arch"}) {
    EXPECT_FALSE(ParsePackageUrl(bad).ok()) << bad;
  }
}

TEST(CpeTest, ParsesAndUnescapes) {
  auto c = ParseCpe23("cpe:2.3:a:arm:mbed_tls:2.28.3:*:*:*:*:*:*:*");
  ASSERT_TRUE(c.ok()) << c.message();
  EXPECT_EQ(c->part, "a");
  EXPECT_EQ(c->vendor, "arm");
  EXPECT_EQ(c->product, "mbed_tls");
  EXPECT_EQ(c->version, "2.28.3");
  c = ParseCpe23("cpe:2.3:a:Vendor:prod\\:uct:1.0\\:rc1:*:*:*:*:*:*:*");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->vendor, "vendor");
  EXPECT_EQ(c->product, "prod:uct");
  EXPECT_EQ(c->version, "1.0:rc1");
  EXPECT_FALSE(ParseCpe23("cpe:/a:arm:mbed_tls:2.28.3").ok());
  EXPECT_FALSE(ParseCpe23("cpe:2.3:a:arm").ok());
}

}  // namespace
}  // namespace staticship::policy
