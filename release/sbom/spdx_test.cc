#include "release/sbom/spdx.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace staticship::release {
namespace {

// The fixture has the shape of @staticship_deps//:deps.json (generated from
// third_party/deps.lock); Bazel passes its path via the test's data.
std::string ReadFixture() {
  for (const char* path :
       {"release/sbom/testdata/deps.json", "testdata/deps.json"}) {
    std::ifstream in(path);
    if (in) {
      std::stringstream s;
      s << in.rdbuf();
      return s.str();
    }
  }
  ADD_FAILURE() << "deps.json fixture not found";
  return "{}";
}

std::vector<std::string> Ids(const std::vector<LockedComponent>& cs) {
  std::vector<std::string> out;
  for (const auto& c : cs) out.push_back(c.id);
  return out;
}

TEST(SpdxTest, SelectsLinkedAndToolchainRuntimeOnly) {
  auto locked = ParseDepsJson(ReadFixture());
  ASSERT_TRUE(locked.ok()) << locked.message();
  auto musl = SelectLinkedComponents(*locked, {"zlib"}, "zig_sdk");
  ASSERT_TRUE(musl.ok()) << musl.message();
  EXPECT_EQ(Ids(*musl), (std::vector<std::string>{"libcxx", "musl", "zlib"}));
  auto glibc = SelectLinkedComponents(*locked, {"zlib", "yaml_cpp"}, "");
  ASSERT_TRUE(glibc.ok());
  EXPECT_EQ(Ids(*glibc), (std::vector<std::string>{"yaml_cpp", "zlib"}));
  // Tools (use = tool, e.g. buildifier) run on the source tree, have no
  // Bazel repository and are never in an image.
  ASSERT_TRUE(locked->count("buildifier"));
  EXPECT_EQ(locked->at("buildifier").use, "tool");
  EXPECT_TRUE(locked->at("buildifier").repo.empty());
}

TEST(SpdxTest, UnknownRepositoryIsAnError) {
  auto locked = ParseDepsJson(ReadFixture());
  ASSERT_TRUE(locked.ok());
  auto r = SelectLinkedComponents(*locked, {"zlib", "openssl"}, "zig_sdk");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.message().find("@openssl"), std::string::npos);
  EXPECT_FALSE(SelectLinkedComponents(*locked, {}, "no_such_sdk").ok());
  EXPECT_FALSE(ParseDepsJson("[]").ok());
  EXPECT_FALSE(ParseDepsJson(R"({"x":{"name":"x"}})").ok());  // no version
}

SbomRequest Request() {
  auto locked = ParseDepsJson(ReadFixture());
  SbomRequest r;
  r.repository = "staticship/gateway";
  r.tag = "latest";
  r.manifest_digest =
      "sha256:3beb627181ee427e59082301967a319c90b733525e6a2d1108e8b322fbc96823";
  r.tool_version = "0.1.0";
  r.binary_name = "gateway";
  r.binary_sha256_hex = std::string(64, 'a');
  r.static_components = *SelectLinkedComponents(*locked, {"zlib"}, "zig_sdk");
  return r;
}

TEST(SpdxTest, DocumentFields) {
  const auto doc = nlohmann::json::parse(SpdxJson(Request()));
  EXPECT_EQ(doc["spdxVersion"], "SPDX-2.3");
  EXPECT_EQ(doc["dataLicense"], "CC0-1.0");
  EXPECT_EQ(doc["SPDXID"], "SPDXRef-DOCUMENT");
  EXPECT_EQ(doc["name"], "staticship/gateway:latest");
  EXPECT_EQ(doc["documentNamespace"],
            "https://staticship.invalid/spdx/staticship/gateway/"
            "sha256-3beb627181ee427e59082301967a319c90b733525e6a2d1108e8b322fb"
            "c96823");
  EXPECT_EQ(doc["creationInfo"]["created"], "1970-01-01T00:00:00Z");
  EXPECT_EQ(doc["creationInfo"]["creators"][0], "Tool: staticship-0.1.0");

  std::map<std::string, nlohmann::json> by_name;
  for (const auto& p : doc["packages"]) by_name[p["name"]] = p;
  ASSERT_TRUE(by_name.count("zlib"));
  const auto& zlib = by_name["zlib"];
  EXPECT_EQ(zlib["versionInfo"], "1.2.13");
  EXPECT_EQ(zlib["licenseDeclared"], "Zlib");
  EXPECT_EQ(zlib["filesAnalyzed"], false);
  EXPECT_EQ(zlib["checksums"][0]["algorithm"], "SHA256");
  EXPECT_EQ(zlib["checksums"][0]["checksumValue"],
            "71feb7947e3c00ef125f83b79a4e529bde31171e5babe48b391f06758d1ab0a1");
  bool has_purl = false;
  for (const auto& ref : zlib["externalRefs"]) {
    if (ref["referenceType"] == "purl") {
      has_purl = true;
      EXPECT_EQ(ref["referenceLocator"],
                "pkg:deb/debian/zlib@1.2.13.dfsg-1?arch=source");
    }
  }
  EXPECT_TRUE(has_purl);
  EXPECT_TRUE(by_name.count("musl libc"));
  EXPECT_TRUE(by_name.count("LLVM libc++, libc++abi and libunwind"));
  EXPECT_FALSE(by_name.count("GoogleTest"));
  EXPECT_EQ(by_name["LLVM libc++, libc++abi and libunwind"]["licenseDeclared"],
            "Apache-2.0 WITH LLVM-exception");

  std::set<std::string> rels;
  for (const auto& r : doc["relationships"]) {
    rels.insert(r["spdxElementId"].get<std::string>() + " " +
                r["relationshipType"].get<std::string>() + " " +
                r["relatedSpdxElement"].get<std::string>());
  }
  EXPECT_TRUE(rels.count("SPDXRef-DOCUMENT DESCRIBES SPDXRef-Image"));
  EXPECT_TRUE(rels.count("SPDXRef-Image CONTAINS SPDXRef-Binary"));
  EXPECT_TRUE(rels.count("SPDXRef-Binary STATIC_LINK SPDXRef-Package-zlib"));
  EXPECT_TRUE(rels.count("SPDXRef-Binary STATIC_LINK SPDXRef-Package-musl"));
}

TEST(SpdxTest, DeterministicAndSharedLibsSorted) {
  SbomRequest a = Request();
  a.static_components.clear();
  a.shared_libraries = {
      {"libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x", "b"},
      {"ld-linux-x86-64.so.2", "/lib64/ld-linux-x86-64.so.2", "/usr/lib/y",
       "c"}};
  SbomRequest b = a;
  std::swap(b.shared_libraries[0], b.shared_libraries[1]);
  EXPECT_EQ(SpdxJson(a), SpdxJson(b));
  const auto doc = nlohmann::json::parse(SpdxJson(a));
  EXPECT_EQ(doc["packages"][2]["name"], "libc.so.6");
  EXPECT_EQ(doc["packages"][3]["name"], "ld-linux-x86-64.so.2");
  bool dynamic = false;
  for (const auto& r : doc["relationships"]) {
    if (r["relationshipType"] == "DYNAMIC_LINK") dynamic = true;
  }
  EXPECT_TRUE(dynamic);
}

}  // namespace
}  // namespace staticship::release
