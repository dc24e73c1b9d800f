#include "release/sbom/spdx.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "common/base/file.h"

namespace staticship::release {
namespace {

// Made-up lock entries in the shape of @staticship_deps//:deps.json. The
// selection and writing logic only needs some input; real versions and
// checksums live in third_party/deps.lock alone, and LockedFactsReachTheSbom
// checks them against the generated file instead of a copy. The sha256 is
// that of the string "example".
constexpr char kExampleLock[] = R"({
  "example_sdk": {"name": "example_sdk", "project_name": "Example SDK",
    "version": "1.0", "license": "MIT", "repo": "example_sdk",
    "use": "toolchain"},
  "example_libc": {"name": "example_libc", "project_name": "Example libc",
    "version": "1.0", "license": "MIT", "bundled_in": "example_sdk",
    "use": "runtime",
    "download_location": "https://example.invalid/example-libc-1.0.tar.gz"},
  "example": {"name": "example", "project_name": "example", "version": "1.0",
    "license": "MIT", "repo": "example", "use": "runtime",
    "project_url": "https://example.invalid",
    "download_location": "https://example.invalid/example-1.0.tar.gz",
    "cpe": "cpe:2.3:a:example:example:1.0:*:*:*:*:*:*:*",
    "purl": "pkg:generic/example@1.0",
    "source": "example-source example", "file": "example-1.0.tar.gz",
    "sha256": "50d858e0985ecc7f60418aaf0cc5ab587f42c2570a884095a9e8ccacd0f6545c"},
  "example_other": {"name": "example_other", "project_name": "example other",
    "version": "1.0", "license": "MIT", "repo": "example_other",
    "use": "runtime"},
  "example_test_lib": {"name": "example_test_lib",
    "project_name": "example test lib", "version": "1.0",
    "license": "MIT", "repo": "example_test_lib", "use": "test"},
  "example_tool": {"name": "example_tool", "project_name": "example tool",
    "version": "1.0", "license": "MIT", "use": "tool"}
})";

std::map<std::string, LockedComponent> ExampleLock() {
  auto locked = ParseDepsJson(kExampleLock);
  EXPECT_TRUE(locked.ok()) << locked.message();
  return locked.ok() ? *locked : std::map<std::string, LockedComponent>{};
}

std::vector<std::string> Ids(const std::vector<LockedComponent>& cs) {
  std::vector<std::string> out;
  for (const auto& c : cs) out.push_back(c.id);
  return out;
}

TEST(SpdxTest, SelectsLinkedAndToolchainRuntimeOnly) {
  const auto locked = ExampleLock();
  auto musl = SelectLinkedComponents(locked, {"example"}, "example_sdk");
  ASSERT_TRUE(musl.ok()) << musl.message();
  // Neither the SDK itself (a toolchain) nor test or tool entries.
  EXPECT_EQ(Ids(*musl), (std::vector<std::string>{"example", "example_libc"}));
  auto glibc = SelectLinkedComponents(locked, {"example", "example_other"}, "");
  ASSERT_TRUE(glibc.ok());
  EXPECT_EQ(Ids(*glibc),
            (std::vector<std::string>{"example", "example_other"}));
  EXPECT_EQ(locked.at("example_tool").use, "tool");
  EXPECT_TRUE(locked.at("example_tool").repo.empty());
}

TEST(SpdxTest, UnknownRepositoryIsAnError) {
  const auto locked = ExampleLock();
  auto r = SelectLinkedComponents(locked, {"example", "openssl"}, "");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.message().find("@openssl"), std::string::npos);
  EXPECT_FALSE(SelectLinkedComponents(locked, {}, "no_such_sdk").ok());
  EXPECT_FALSE(ParseDepsJson("[]").ok());
  EXPECT_FALSE(ParseDepsJson(R"({"x":{"name":"x"}})").ok());  // no version
}

SbomRequest Request(const std::vector<LockedComponent>& components) {
  SbomRequest r;
  r.repository = "staticship/gateway";
  r.tag = "latest";
  r.manifest_digest =
      "sha256:3beb627181ee427e59082301967a319c90b733525e6a2d1108e8b322fbc96823";
  r.tool_version = "0.1.0";
  r.binary_name = "gateway";
  r.binary_sha256_hex = std::string(64, 'a');
  r.static_components = components;
  return r;
}

SbomRequest ExampleRequest() {
  auto selected =
      SelectLinkedComponents(ExampleLock(), {"example"}, "example_sdk");
  EXPECT_TRUE(selected.ok()) << selected.message();
  return Request(selected.ok() ? *selected : std::vector<LockedComponent>{});
}

std::map<std::string, nlohmann::json> PackagesByName(
    const nlohmann::json& doc) {
  std::map<std::string, nlohmann::json> by_name;
  for (const auto& p : doc["packages"]) by_name[p["name"]] = p;
  return by_name;
}

std::string Locator(const nlohmann::json& package, const std::string& type) {
  if (!package.contains("externalRefs")) return "";
  for (const auto& ref : package["externalRefs"]) {
    if (ref.is_object() && ref.value("referenceType", "") == type) {
      return ref.value("referenceLocator", "");
    }
  }
  return "";
}

TEST(SpdxTest, DocumentFields) {
  const auto doc = nlohmann::json::parse(SpdxJson(ExampleRequest()));
  EXPECT_EQ(doc["spdxVersion"], "SPDX-2.3");
  EXPECT_EQ(doc["dataLicense"], "CC0-1.0");
  EXPECT_EQ(doc["SPDXID"], "SPDXRef-DOCUMENT");
  EXPECT_EQ(doc["name"], "staticship/gateway:latest");
  EXPECT_EQ(doc["documentNamespace"],
            "https://staticship.invalid/spdx/staticship/gateway/"
            "sha256-3beb627181ee427e59082301967a319c90b733525e6a2d1108e8b322fb"
            "c96823");
  EXPECT_EQ(doc["creationInfo"]["created"], "1970-01-01T00:00:00Z");
  EXPECT_EQ(doc["creationInfo"]["creators"],
            nlohmann::json::array({"Tool: staticship-0.1.0"}));

  const auto locked = ExampleLock();
  const LockedComponent& want = locked.at("example");
  auto by_name = PackagesByName(doc);
  ASSERT_TRUE(by_name.count(want.project_name));
  const auto& example = by_name[want.project_name];
  EXPECT_EQ(example["versionInfo"], want.version);
  EXPECT_EQ(example["licenseDeclared"], want.license);
  EXPECT_EQ(example["downloadLocation"], want.download_location);
  EXPECT_EQ(example["homepage"], want.project_url);
  EXPECT_EQ(example["filesAnalyzed"], false);
  EXPECT_EQ(example["checksums"][0]["algorithm"], "SHA256");
  EXPECT_EQ(example["checksums"][0]["checksumValue"], want.sha256);
  EXPECT_EQ(Locator(example, "purl"), want.purl);
  EXPECT_EQ(Locator(example, "cpe23Type"), want.cpe);
  EXPECT_EQ(by_name[locked.at("example_libc").project_name]["downloadLocation"],
            locked.at("example_libc").download_location);
  EXPECT_FALSE(by_name.count(locked.at("example_test_lib").project_name));
  EXPECT_FALSE(by_name.count(locked.at("example_tool").project_name));
  EXPECT_FALSE(by_name.count(locked.at("example_sdk").project_name));
  // Without a location in the lock SPDX wants NOASSERTION, not "".
  const auto other =
      nlohmann::json::parse(SpdxJson(Request({locked.at("example_other")})));
  EXPECT_EQ(PackagesByName(other)["example other"]["downloadLocation"],
            "NOASSERTION");

  std::set<std::string> rels;
  for (const auto& r : doc["relationships"]) {
    rels.insert(r["spdxElementId"].get<std::string>() + " " +
                r["relationshipType"].get<std::string>() + " " +
                r["relatedSpdxElement"].get<std::string>());
  }
  EXPECT_TRUE(rels.count("SPDXRef-DOCUMENT DESCRIBES SPDXRef-Image"));
  EXPECT_TRUE(rels.count("SPDXRef-Image CONTAINS SPDXRef-Binary"));
  EXPECT_TRUE(rels.count("SPDXRef-Binary STATIC_LINK SPDXRef-Package-example"));
  EXPECT_TRUE(
      rels.count("SPDXRef-Binary STATIC_LINK SPDXRef-Package-example-libc"));
}

// SPDX 2.3 JSON types these fields as arrays even with one element; a
// consumer that expects an array rejects an object.
void ExpectArrayOfObjects(const nlohmann::json& value, const std::string& where,
                          const std::vector<std::string>& string_keys) {
  ASSERT_TRUE(value.is_array())
      << where << " is " << value.type_name() << ": " << value.dump();
  for (const auto& item : value) {
    ASSERT_TRUE(item.is_object()) << where << " holds " << item.dump();
    for (const std::string& key : string_keys) {
      EXPECT_TRUE(item.contains(key) && item[key].is_string())
          << where << " item without string " << key << ": " << item.dump();
    }
  }
}

TEST(SpdxTest, ArrayTypedFieldsAreArrays) {
  SbomRequest request = ExampleRequest();
  request.shared_libraries = {
      {"libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x", "b"}};
  const auto doc = nlohmann::json::parse(SpdxJson(request));

  const auto& creators = doc["creationInfo"]["creators"];
  ASSERT_TRUE(creators.is_array()) << creators.dump();
  ASSERT_FALSE(creators.empty());
  for (const auto& c : creators) EXPECT_TRUE(c.is_string()) << c.dump();
  ExpectArrayOfObjects(doc["packages"], "packages", {"SPDXID", "name"});
  ExpectArrayOfObjects(
      doc["relationships"], "relationships",
      {"spdxElementId", "relationshipType", "relatedSpdxElement"});
  if (doc.contains("files")) ExpectArrayOfObjects(doc["files"], "files", {});

  int with_refs = 0;
  for (const auto& p : doc["packages"]) {
    const std::string id = p["SPDXID"];
    if (p.contains("checksums")) {
      ExpectArrayOfObjects(p["checksums"], id + ".checksums",
                           {"algorithm", "checksumValue"});
    }
    if (p.contains("externalRefs")) {
      ++with_refs;
      ExpectArrayOfObjects(
          p["externalRefs"], id + ".externalRefs",
          {"referenceCategory", "referenceType", "referenceLocator"});
    }
  }
  // The image (one purl), the example library (cpe and purl) and the copied
  // shared library (the purl of its content).
  EXPECT_EQ(with_refs, 3);
  const auto& image = doc["packages"][0];
  ASSERT_EQ(image["SPDXID"], "SPDXRef-Image");
  ASSERT_TRUE(image["externalRefs"].is_array());
  ASSERT_EQ(image["externalRefs"].size(), 1u);
  EXPECT_EQ(image["externalRefs"][0]["referenceLocator"],
            "pkg:oci/gateway@sha256%3A3beb627181ee427e59082301967a319c90b733525"
            "e6a2d1108e8b322fbc96823?tag=latest");
}

TEST(SpdxTest, DeterministicAndSharedLibsSorted) {
  SbomRequest a = Request({});
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

// The real lock, as Bazel generates it from third_party/deps.lock; the test
// compares the SBOM with that file, so no fact of the lock is repeated here.
std::string ReadGeneratedDepsJson() {
  const char* path = std::getenv("DEPS_JSON");
  if (path == nullptr || *path == '\0') {
    ADD_FAILURE() << "DEPS_JSON is not set (see release/sbom/BUILD.bazel)";
    return "{}";
  }
  Result<std::string> text = ReadWholeFile(path);
  if (!text.ok()) {
    ADD_FAILURE() << text.message();
    return "{}";
  }
  return *text;
}

TEST(SpdxTest, LockedFactsReachTheSbom) {
  const std::string text = ReadGeneratedDepsJson();
  const auto raw = nlohmann::json::parse(text);
  auto locked = ParseDepsJson(text);
  ASSERT_TRUE(locked.ok()) << locked.message();

  // Every repository of a runtime input is linked, and the bundle that ships
  // the rest (the zig SDK for musl and libc++) is the toolchain's.
  std::set<std::string> repos;
  std::set<std::string> bundles;
  for (const auto& [id, c] : *locked) {
    if (c.use != "runtime") continue;
    if (!c.repo.empty()) repos.insert(c.repo);
    if (!c.bundled_in.empty()) bundles.insert(c.bundled_in);
  }
  ASSERT_FALSE(repos.empty());
  ASSERT_EQ(bundles.size(), 1u) << "one toolchain bundle expected";
  auto selected = SelectLinkedComponents(*locked, repos, *bundles.begin());
  ASSERT_TRUE(selected.ok()) << selected.message();
  const auto doc = nlohmann::json::parse(SpdxJson(Request(*selected)));
  auto by_name = PackagesByName(doc);

  for (const auto& [id, entry] : raw.items()) {
    const std::string use = entry.value("use", "");
    const std::string name = entry.value("project_name", id);
    // What is linked into or ships with an image must say where upstream
    // publishes it, or the SBOM can only say NOASSERTION.
    if (use == "runtime" || use == "toolchain") {
      EXPECT_FALSE(entry.value("download_location", "").empty())
          << "deps.lock [" << id << "] has no download_location";
    }
    if (use != "runtime") {
      EXPECT_FALSE(by_name.count(name)) << id << " (" << use << ") in SBOM";
      continue;
    }
    ASSERT_TRUE(by_name.count(name)) << id << " missing from the SBOM";
    const auto& p = by_name[name];
    EXPECT_EQ(p["versionInfo"], entry.value("version", "")) << id;
    EXPECT_EQ(p["licenseDeclared"], entry.value("license", "")) << id;
    EXPECT_EQ(p["downloadLocation"], entry.value("download_location", ""))
        << id;
    EXPECT_EQ(Locator(p, "purl"), entry.value("purl", "")) << id;
    EXPECT_EQ(Locator(p, "cpe23Type"), entry.value("cpe", "")) << id;
    if (entry.contains("sha256")) {
      ASSERT_TRUE(p["checksums"].is_array() && p["checksums"].size() == 1)
          << id;
      EXPECT_EQ(p["checksums"][0]["algorithm"], "SHA256") << id;
      EXPECT_EQ(p["checksums"][0]["checksumValue"], entry["sha256"]) << id;
    }
  }
}

}  // namespace
}  // namespace staticship::release
