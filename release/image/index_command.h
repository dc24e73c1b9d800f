// `shipctl index`: merges single-platform layouts into one layout whose
// index.json points at an OCI image index listing each manifest with its
// platform (os, architecture, variant).
#ifndef STATICSHIP_RELEASE_IMAGE_INDEX_COMMAND_H_
#define STATICSHIP_RELEASE_IMAGE_INDEX_COMMAND_H_

#include <span>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "release/common/oci_layout.h"

namespace staticship::release {

struct IndexResult {
  Descriptor index;  // the image index blob, as listed in index.json
  std::vector<Descriptor> manifests;
};

// Copies every blob of the input layouts' manifests into `out_layout` (a
// directory that must not contain another layout) and writes the image
// index. Fails on two inputs with the same platform.
Result<IndexResult> BuildIndexLayout(const std::vector<std::string>& inputs,
                                     const std::string& out_layout,
                                     const std::string& tag);

int RunIndex(std::span<char* const> args);

}  // namespace staticship::release

#endif  // STATICSHIP_RELEASE_IMAGE_INDEX_COMMAND_H_
