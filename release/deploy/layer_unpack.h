// Applies OCI image layers (tar, optionally gzip'ed) onto a root file
// system directory, the way a container runtime's snapshotter does:
//
// - whiteouts: ".wh.<name>" deletes <name> from lower layers, and
//   ".wh..wh..opq" empties its directory of lower-layer content;
// - every path is resolved component by component with O_NOFOLLOW from the
//   root's descriptor, so no entry can write through a symlink, and ".."
//   components, hard links leaving the tree, and relative symlinks whose
//   target climbs above the root are rejected (an absolute symlink target
//   is resolved inside the container root at run time and is allowed);
// - owners, modes and mtimes come from the tar header; device nodes are
//   skipped (the container gets its /dev from the runtime).
#ifndef STATICSHIP_RELEASE_DEPLOY_LAYER_UNPACK_H_
#define STATICSHIP_RELEASE_DEPLOY_LAYER_UNPACK_H_

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/base/result.h"

namespace staticship::deploy {

struct UnpackStats {
  std::int64_t entries = 0;
  std::int64_t bytes = 0;  // regular file content written
  std::int64_t whiteouts = 0;
};

// Applies one uncompressed tar layer onto root (which must exist).
Result<UnpackStats> ApplyTarLayer(std::string_view tar,
                                  const std::filesystem::path& root);

}  // namespace staticship::deploy

#endif  // STATICSHIP_RELEASE_DEPLOY_LAYER_UNPACK_H_
