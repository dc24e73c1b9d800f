// SLSA provenance v1 (slsa.dev/spec/v1.0/provenance) for one image build:
// what was built (the Bazel label and flags), from which source (repository,
// ref, commit), with which toolchain, from which pinned inputs (every entry
// of deps.lock), by which builder and when.
//
// The shape is fixed; release/policy reads
// buildDefinition.externalParameters.source.repository and .ref:
//   {"buildDefinition":{"buildType":kBuildType,
//     "externalParameters":{"target":…,"flags":[…],
//       "source":{"repository":…,"ref":…,"commit":…}},
//     "internalParameters":{"toolchain":{"zig":…,"target":…}},
//     "resolvedDependencies":[{"uri":"git+REPO@REF","digest":{"gitCommit":…}},
//       (REF: the commit when there is no ref; no entry without a source)
//       {"name":<lock id>,"uri":<purl>,"digest":{"sha256":…}}, …]},
//    "runDetails":{"builder":{"id":…},
//     "metadata":{"invocationId":…,"startedOn":…,"finishedOn":…}}}
#ifndef STATICSHIP_RELEASE_SIGNING_PROVENANCE_H_
#define STATICSHIP_RELEASE_SIGNING_PROVENANCE_H_

#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"
#include "release/sbom/spdx.h"

namespace staticship::signing {

// Names how staticship builds an image; a URI of ours, versioned.
inline constexpr char kBuildType[] =
    "https://staticship.invalid/buildtypes/bazel-static-image/v1";

struct ProvenanceRequest {
  std::string target;              // "//services/gateway:gateway_image"
  std::vector<std::string> flags;  // Bazel flags of the build
  // The source: repository and commit together, or neither (an image
  // packed outside a checkout: then the provenance names no source, and a
  // policy with a source rule refuses it). The ref is left out on a
  // detached HEAD, which has none.
  std::string source_repository;  // the clone URL
  std::string source_ref;         // "refs/heads/main", or ""
  std::string source_commit;      // 40 (or 64) hex digits
  std::string target_triple;      // "x86_64-linux-musl"
  std::string builder_id;         // URI of the CI builder
  std::string invocation_id;
  std::string started_on;   // RFC 3339
  std::string finished_on;  // RFC 3339
};

// Checks the request (commit is hex, times are RFC 3339 UTC, ...) and
// builds the predicate. The zig version is the lock's [zig_sdk] entry.
Result<nlohmann::ordered_json> MakeProvenance(
    const ProvenanceRequest& request,
    const std::map<std::string, release::LockedComponent>& locked);

// "2026-12-06T23:25:54Z" or with fractional seconds / an offset.
bool IsRfc3339(std::string_view text);

}  // namespace staticship::signing

#endif  // STATICSHIP_RELEASE_SIGNING_PROVENANCE_H_
