// Named data volumes: `--volume NAME:DST` mounts <volume-root>/NAME, a
// directory that outlives every container using it. Undeploy and redeploy
// never touch it; deleting one is an operator's act (`rm -rf
// <volume-root>/NAME` once nothing mounts it).
//
// The default root is /var/lib/staticship/volumes, not under the runtime
// state dir (/run/staticship), because /run is a tmpfs: a volume there would
// lose its data at the next boot, which is what a volume exists to prevent.
#ifndef STATICSHIP_RELEASE_DEPLOY_VOLUMES_H_
#define STATICSHIP_RELEASE_DEPLOY_VOLUMES_H_

#include <sys/types.h>

#include <filesystem>
#include <string>

#include "common/base/result.h"

namespace staticship::deploy {

inline constexpr char kDefaultVolumeRoot[] = "/var/lib/staticship/volumes";

// Makes <root>/<name> if missing (mode 0700, owned by uid:gid, so only the
// container's user reads it), then proves that uid:gid can create a file in
// it. An existing directory keeps its owner and mode: the operator's choice.
// A directory the user cannot write (wrong owner or mode, a read-only file
// system) is one error naming the path and why.
Result<std::filesystem::path> PrepareVolume(const std::filesystem::path& root,
                                            const std::string& name, uid_t uid,
                                            gid_t gid);

}  // namespace staticship::deploy

#endif  // STATICSHIP_RELEASE_DEPLOY_VOLUMES_H_
