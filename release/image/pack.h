// Packs one single-layer, FROM-scratch image: builds the layer tar, gzips it
// in parallel, writes the config and manifest, and emits an OCI layout, a
// docker-archive tarball and a digest file. Nothing is visible under the
// final names until everything succeeded (temporary names, renamed last).
#ifndef STATICSHIP_RELEASE_IMAGE_PACK_H_
#define STATICSHIP_RELEASE_IMAGE_PACK_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "release/common/oci_layout.h"
#include "release/image/image_json.h"
#include "release/image/layer_tree.h"
#include "release/image/parallel_gzip.h"

namespace staticship::release {

struct PackRequest {
  LayerTree tree;  // the files of the layer (base files included or not)
  ImageConfig config;
  std::map<std::string, std::string> annotations;  // manifest annotations
  std::string repository;  // for docker-archive RepoTags ("staticship/gw")
  std::string tag;         // the ref.name in index.json ("latest")
  std::int64_t mtime = 0;  // tar mtime (SOURCE_DATE_EPOCH or 0)
  GzipOptions gzip;

  std::string out_layout;  // directory; empty to skip
  std::string out_tar;     // docker-archive; empty to skip
  std::string out_digest;  // "sha256:…\n"; empty to skip
};

struct PackResult {
  Descriptor manifest;  // with platform and ref.name annotation
  Descriptor config;
  Descriptor layer;
  std::string diff_id;
  std::uint64_t uncompressed_size = 0;
  std::size_t entries = 0;
};

// Tag rules of the distribution spec: [A-Za-z0-9_][A-Za-z0-9._-]{0,127}.
bool IsValidTag(const std::string& tag);
// Repository name rules of the distribution spec (lowercase path components).
bool IsValidRepository(const std::string& repository);

// Staged outputs: files and directories under temporary names that are
// removed on destruction unless Commit() renamed them into place.
class StagedOutputs {
 public:
  StagedOutputs() = default;
  StagedOutputs(const StagedOutputs&) = delete;
  StagedOutputs& operator=(const StagedOutputs&) = delete;
  ~StagedOutputs();

  // Creates a temporary file/dir next to `final_path`; returns its name.
  Result<std::string> StageFile(const std::string& final_path,
                                std::string_view bytes);
  Result<std::string> StageDirectory(const std::string& final_path);
  // Renames every staged output to its final name (replacing old outputs).
  Status Commit();

 private:
  struct Item {
    std::string temp;
    std::string final_path;
  };
  std::vector<Item> items_;
  bool committed_ = false;
};

// Builds and stages all outputs of `request` into `staged` (the caller may
// stage more, e.g. an SBOM that needs the digest, before Commit()).
Result<PackResult> Pack(const PackRequest& request, StagedOutputs& staged);

}  // namespace staticship::release

#endif  // STATICSHIP_RELEASE_IMAGE_PACK_H_
