// SPDX 2.3 JSON software bill of materials for one image.
//
// Components come from the dependency lock (deps.json, generated from
// third_party/deps.lock as @staticship_deps//:deps.json): only those actually
// linked into the binary, chosen by the Bazel aspect (external repositories)
// and the toolchain (musl and libc++ ship inside zig). Shared libraries
// copied into a dynamic image are listed as packages with their checksums.
// Output is deterministic: fixed key order, sorted packages, and a document
// namespace derived from the image digest.
#ifndef STATICSHIP_RELEASE_SBOM_SPDX_H_
#define STATICSHIP_RELEASE_SBOM_SPDX_H_

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"

namespace staticship::release {

// One entry of deps.json (absent fields are empty).
struct LockedComponent {
  std::string id;  // the lock key: "zlib", "musl"
  std::string project_name;
  std::string version;
  std::string license;
  std::string purl;
  std::string cpe;
  std::string project_url;
  std::string download_location;  // only if the lock provides one
  std::string source;
  std::string file;
  std::string sha256;
  std::string repo;        // Bazel repository name
  std::string bundled_in;  // id of the input that ships it
  std::string use;         // runtime, test, toolchain, tool
};

Result<std::map<std::string, LockedComponent>> ParseDepsJson(
    std::string_view json);

// The components linked into a binary: those whose `repo` is one of
// `linked_repos` (from the aspect) plus the runtime components bundled in
// `toolchain_bundle` (e.g. "zig_sdk" for musl and libc++; empty for glibc).
// Fails if a linked repository is not in the lock: every input is pinned.
Result<std::vector<LockedComponent>> SelectLinkedComponents(
    const std::map<std::string, LockedComponent>& locked,
    const std::set<std::string>& linked_repos,
    const std::string& toolchain_bundle);

struct SharedLibrary {
  std::string soname;      // "libc.so.6"
  std::string image_path;  // "/lib/x86_64-linux-gnu/libc.so.6"
  std::string host_path;   // where it was copied from, resolved
  std::string sha256_hex;
};

// "pkg:generic/<soname>?checksum=sha256:<hex>": a copied library has no
// package manager, so its content names it.
std::string SharedLibraryPurl(const SharedLibrary& library);

struct SbomRequest {
  std::string repository;       // "staticship/gateway"
  std::string tag;              // "latest"
  std::string manifest_digest;  // "sha256:…"
  std::string created = "1970-01-01T00:00:00Z";
  std::string tool_version;    // written as "Tool: staticship-<version>"
  std::string binary_name;     // "gateway"
  std::string binary_version;  // the image's version label, or empty
  std::string binary_sha256_hex;
  std::vector<LockedComponent> static_components;
  std::vector<SharedLibrary> shared_libraries;
};

std::string SpdxJson(const SbomRequest& request);

}  // namespace staticship::release

#endif  // STATICSHIP_RELEASE_SBOM_SPDX_H_
