// What `shipctl deploy` does with the container settings before it pulls
// anything: read and validate them (deploy_options.h), check that the
// machine can enforce the limits (cgroup_limits.h), and make each volume
// ready and writable (volumes.h). Any failure is one line and nothing has
// been started; the only change left behind is a new, empty volume dir.
//
//   --volume-root DIR          where volumes live (default
//                              /var/lib/staticship/volumes)
//   --allow-missing-limits     deploy without a limit whose cgroup
//                              controller is missing, with a warning line,
//                              instead of refusing
#ifndef STATICSHIP_RELEASE_DEPLOY_CONTAINER_SETUP_H_
#define STATICSHIP_RELEASE_DEPLOY_CONTAINER_SETUP_H_

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/base/flags.h"
#include "common/base/result.h"
#include "release/deploy/container_settings.h"

namespace staticship::deploy {

struct PreparedContainer {
  ContainerSettings settings;
  std::map<std::string, std::string> volume_paths;  // name -> host dir
  std::vector<std::string> warnings;                // one line each
};

// The value flags and switches this adds to deploy's FlagSpec.
std::set<std::string> SetupValueFlags();
std::set<std::string> SetupSwitches();

// `cgroup_root` is /sys/fs/cgroup but for tests.
Result<PreparedContainer> PrepareContainer(
    const Flags& flags, const std::filesystem::path& cgroup_root);

}  // namespace staticship::deploy

#endif  // STATICSHIP_RELEASE_DEPLOY_CONTAINER_SETUP_H_
