#include "release/sbom/spdx.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/base/strings.h"

namespace staticship::release {
namespace {

using OrderedJson = nlohmann::ordered_json;

// SPDX identifiers allow letters, digits, '.' and '-'.
std::string SpdxIdPart(std::string_view text) {
  std::string out;
  for (char c : text) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '.' || c == '-';
    out += ok ? c : '-';
  }
  return out;
}

std::string OrNoAssertion(const std::string& value) {
  return value.empty() ? "NOASSERTION" : value;
}

OrderedJson Checksum(const std::string& hex) {
  OrderedJson list = OrderedJson::array();
  if (!hex.empty()) {
    OrderedJson c;
    c["algorithm"] = "SHA256";
    c["checksumValue"] = hex;
    list.push_back(std::move(c));
  }
  return list;
}

OrderedJson ExternalRef(const std::string& category, const std::string& type,
                        const std::string& locator) {
  OrderedJson r;
  r["referenceCategory"] = category;
  r["referenceType"] = type;
  r["referenceLocator"] = locator;
  return r;
}

OrderedJson Relationship(const std::string& from, const std::string& type,
                         const std::string& to) {
  OrderedJson r;
  r["spdxElementId"] = from;
  r["relationshipType"] = type;
  r["relatedSpdxElement"] = to;
  return r;
}

std::string StringField(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

std::string SharedLibraryPurl(const SharedLibrary& library) {
  return "pkg:generic/" + PercentEncode(library.soname) +
         "?checksum=sha256:" + library.sha256_hex;
}

Result<std::map<std::string, LockedComponent>> ParseDepsJson(
    std::string_view json) {
  const auto j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return MakeError("deps.json is not a JSON object");
  }
  std::map<std::string, LockedComponent> out;
  for (const auto& [id, entry] : j.items()) {
    if (!entry.is_object())
      return MakeError("deps.json: " + id + " is not an object");
    LockedComponent c;
    c.id = id;
    c.project_name = StringField(entry, "project_name");
    if (c.project_name.empty()) c.project_name = StringField(entry, "name");
    if (c.project_name.empty()) c.project_name = id;
    c.version = StringField(entry, "version");
    c.license = StringField(entry, "license");
    c.purl = StringField(entry, "purl");
    c.cpe = StringField(entry, "cpe");
    c.project_url = StringField(entry, "project_url");
    c.download_location = StringField(entry, "download_location");
    c.source = StringField(entry, "source");
    c.file = StringField(entry, "file");
    c.sha256 = StringField(entry, "sha256");
    c.repo = StringField(entry, "repo");
    c.bundled_in = StringField(entry, "bundled_in");
    c.use = StringField(entry, "use");
    if (c.version.empty())
      return MakeError("deps.json: " + id + " has no version");
    out.emplace(id, std::move(c));
  }
  return out;
}

Result<std::vector<LockedComponent>> SelectLinkedComponents(
    const std::map<std::string, LockedComponent>& locked,
    const std::set<std::string>& linked_repos,
    const std::string& toolchain_bundle) {
  std::vector<LockedComponent> out;
  std::set<std::string> found;
  for (const auto& [id, c] : locked) {
    const bool linked = !c.repo.empty() && linked_repos.count(c.repo) > 0;
    const bool bundled = !toolchain_bundle.empty() &&
                         c.bundled_in == toolchain_bundle && c.use == "runtime";
    if (linked) found.insert(c.repo);
    if (linked || bundled) out.push_back(c);
  }
  for (const std::string& repo : linked_repos) {
    if (found.count(repo) == 0) {
      return MakeError("repository @" + repo +
                       " is linked into the binary but has no entry in the "
                       "dependency lock");
    }
  }
  if (!toolchain_bundle.empty() && locked.count(toolchain_bundle) == 0) {
    return MakeError("toolchain bundle '" + toolchain_bundle +
                     "' is not in the dependency lock");
  }
  return out;  // std::map iteration: sorted by id
}

std::string SpdxJson(const SbomRequest& r) {
  const std::string hex = r.manifest_digest.substr(
      std::min(r.manifest_digest.size(), r.manifest_digest.find(':') + 1));
  const std::string image_name = r.repository + ":" + r.tag;
  const std::string last_component =
      r.repository.substr(r.repository.rfind('/') + 1);

  OrderedJson doc;
  doc["spdxVersion"] = "SPDX-2.3";
  doc["dataLicense"] = "CC0-1.0";
  doc["SPDXID"] = "SPDXRef-DOCUMENT";
  doc["name"] = image_name;
  // Unique per image content and reproducible: derived from the digest. The
  // .invalid host marks it as a name, not a place to fetch from.
  doc["documentNamespace"] =
      "https://staticship.invalid/spdx/" + r.repository + "/sha256-" + hex;
  OrderedJson creation;
  creation["created"] = r.created;
  // Array-typed SPDX fields are built with array() and push_back: a braced
  // list holding one json value copy-initialises that value, so `{object}`
  // would be written as the object itself, not as a one-element array.
  OrderedJson creators = OrderedJson::array();
  creators.push_back("Tool: staticship-" + r.tool_version);
  creation["creators"] = std::move(creators);
  doc["creationInfo"] = std::move(creation);

  OrderedJson packages = OrderedJson::array();
  OrderedJson relationships = OrderedJson::array();

  OrderedJson image;
  image["name"] = r.repository;
  image["SPDXID"] = "SPDXRef-Image";
  image["versionInfo"] = r.tag;
  image["downloadLocation"] = "NOASSERTION";
  image["filesAnalyzed"] = false;
  image["checksums"] = Checksum(hex);
  image["licenseConcluded"] = "NOASSERTION";
  image["licenseDeclared"] = "NOASSERTION";
  image["copyrightText"] = "NOASSERTION";
  OrderedJson image_refs = OrderedJson::array();
  image_refs.push_back(ExternalRef("PACKAGE-MANAGER", "purl",
                                   "pkg:oci/" + PercentEncode(last_component) +
                                       "@" + PercentEncode(r.manifest_digest) +
                                       "?tag=" + PercentEncode(r.tag)));
  image["externalRefs"] = std::move(image_refs);
  image["primaryPackagePurpose"] = "CONTAINER";
  packages.push_back(std::move(image));
  relationships.push_back(
      Relationship("SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-Image"));

  OrderedJson binary;
  binary["name"] = r.binary_name;
  binary["SPDXID"] = "SPDXRef-Binary";
  binary["versionInfo"] = OrNoAssertion(r.binary_version);
  binary["downloadLocation"] = "NOASSERTION";
  binary["filesAnalyzed"] = false;
  binary["checksums"] = Checksum(r.binary_sha256_hex);
  binary["licenseConcluded"] = "NOASSERTION";
  binary["licenseDeclared"] = "NOASSERTION";
  binary["copyrightText"] = "NOASSERTION";
  binary["primaryPackagePurpose"] = "APPLICATION";
  packages.push_back(std::move(binary));
  relationships.push_back(
      Relationship("SPDXRef-Image", "CONTAINS", "SPDXRef-Binary"));

  for (const LockedComponent& c : r.static_components) {
    const std::string id = "SPDXRef-Package-" + SpdxIdPart(c.id);
    OrderedJson p;
    p["name"] = c.project_name;
    p["SPDXID"] = id;
    p["versionInfo"] = c.version;
    p["downloadLocation"] = OrNoAssertion(c.download_location);
    if (!c.project_url.empty()) p["homepage"] = c.project_url;
    if (!c.bundled_in.empty()) {
      p["sourceInfo"] = "bundled in the " + c.bundled_in + " input of the lock";
    } else if (!c.source.empty()) {
      p["sourceInfo"] = "fetched as '" + c.source + "', file " + c.file;
    }
    p["filesAnalyzed"] = false;
    if (!c.sha256.empty()) p["checksums"] = Checksum(c.sha256);
    p["licenseConcluded"] = OrNoAssertion(c.license);
    p["licenseDeclared"] = OrNoAssertion(c.license);
    p["copyrightText"] = "NOASSERTION";
    OrderedJson refs = OrderedJson::array();
    if (!c.cpe.empty())
      refs.push_back(ExternalRef("SECURITY", "cpe23Type", c.cpe));
    if (!c.purl.empty())
      refs.push_back(ExternalRef("PACKAGE-MANAGER", "purl", c.purl));
    if (!refs.empty()) p["externalRefs"] = std::move(refs);
    p["primaryPackagePurpose"] = "LIBRARY";
    packages.push_back(std::move(p));
    relationships.push_back(Relationship("SPDXRef-Binary", "STATIC_LINK", id));
  }

  std::vector<SharedLibrary> libs = r.shared_libraries;
  std::sort(libs.begin(), libs.end(), [](const auto& a, const auto& b) {
    return a.image_path < b.image_path;
  });
  for (const SharedLibrary& lib : libs) {
    const std::string id =
        "SPDXRef-SharedLib-" +
        SpdxIdPart(lib.image_path.substr(lib.image_path.rfind('/') + 1));
    OrderedJson p;
    p["name"] = lib.soname;
    p["SPDXID"] = id;
    p["versionInfo"] = "NOASSERTION";
    p["downloadLocation"] = "NOASSERTION";
    p["sourceInfo"] = "copied at build time from the build host's " +
                      lib.host_path + " to " + lib.image_path;
    p["filesAnalyzed"] = false;
    p["checksums"] = Checksum(lib.sha256_hex);
    p["licenseConcluded"] = "NOASSERTION";
    p["licenseDeclared"] = "NOASSERTION";
    p["copyrightText"] = "NOASSERTION";
    // The purl the image config's linked-inputs label names it by.
    OrderedJson refs = OrderedJson::array();
    refs.push_back(
        ExternalRef("PACKAGE-MANAGER", "purl", SharedLibraryPurl(lib)));
    p["externalRefs"] = std::move(refs);
    p["primaryPackagePurpose"] = "LIBRARY";
    packages.push_back(std::move(p));
    relationships.push_back(Relationship("SPDXRef-Image", "CONTAINS", id));
    relationships.push_back(Relationship("SPDXRef-Binary", "DYNAMIC_LINK", id));
  }

  doc["packages"] = std::move(packages);
  doc["relationships"] = std::move(relationships);
  return doc.dump(2) + "\n";
}

}  // namespace staticship::release
