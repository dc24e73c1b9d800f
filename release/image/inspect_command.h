// `shipctl inspect`: the facts about a single-image OCI layout that the
// pipeline records (size, files, shared libraries, ports), as JSON, read
// with the same verified blob reads as push and deploy.
#ifndef STATICSHIP_RELEASE_IMAGE_INSPECT_COMMAND_H_
#define STATICSHIP_RELEASE_IMAGE_INSPECT_COMMAND_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "release/common/oci_layout.h"

namespace staticship::release {

struct ImageFacts {
  std::string manifest_digest;
  Platform platform;
  std::vector<std::string> exposed_ports;  // as in the config: "8080/tcp"
  int layers = 0;
  std::int64_t compressed_bytes = 0;    // the layer blobs
  std::int64_t uncompressed_bytes = 0;  // the layer tars
  int files = 0;                        // regular files in all layers
  int shared_libs = 0;                  // regular files named *.so or *.so.*
};

// Fails unless the layout holds exactly one image manifest.
Result<ImageFacts> InspectLayout(const OciLayout& layout);

int RunInspect(std::span<char* const> args);

}  // namespace staticship::release

#endif  // STATICSHIP_RELEASE_IMAGE_INSPECT_COMMAND_H_
