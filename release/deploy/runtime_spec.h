// The OCI runtime config.json for a deployed service, and the parts of the
// image config it is made from.
//
// Network: the container shares the host's network namespace. The service
// then listens on 127.0.0.1:<port> exactly as the health check and any local
// proxy reach it, with no veth pair, bridge, NAT rule or CNI plugin to set
// up (each of which would add root-only host state to clean up and
// milliseconds to every start). What it gives up is network isolation; it
// keeps the rest: no capabilities at all (so it cannot bind below 1024,
// change interfaces or open raw sockets), noNewPrivileges, its own pid,
// mount, ipc and uts namespaces, a read-only root and uid 65532.
#ifndef STATICSHIP_RELEASE_DEPLOY_RUNTIME_SPEC_H_
#define STATICSHIP_RELEASE_DEPLOY_RUNTIME_SPEC_H_

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/base/result.h"
#include "release/deploy/container_settings.h"

namespace staticship::deploy {

inline constexpr int kNonrootId = 65532;

struct ImageConfig {
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::vector<std::string> env;
  std::string working_dir;
  std::string user;
  std::string architecture;
  std::string os;
  std::vector<std::string> diff_ids;
};

Result<ImageConfig> ParseImageConfig(std::string_view json);

// The image's "KEY=VALUE" entries without PORT, each override replacing the
// entry of its key (or appended): the environment before PORT is added.
std::vector<std::string> MergeEnv(
    const std::vector<std::string>& image_env,
    const std::vector<std::pair<std::string, std::string>>& overrides);

struct SpecOptions {
  std::string hostname;
  int port = 0;  // exported to the process as PORT
  // Mounts, volumes, env, args and limits (validated: deploy_options.h).
  ContainerSettings settings;
  // Volume name -> its host directory (volumes.h); one for every volume.
  std::map<std::string, std::string> volume_paths;
};

// config.json bytes: the image's entrypoint+cmd plus settings.args, its env
// with settings.env over it plus PORT, its working directory, uid/gid 65532,
// the hardening described above, the bind mounts and volumes (nosuid, nodev,
// noexec; ro where asked) and linux.resources for the limits.
Result<std::string> MakeRuntimeSpec(const ImageConfig& image,
                                    const SpecOptions& options);

}  // namespace staticship::deploy

#endif  // STATICSHIP_RELEASE_DEPLOY_RUNTIME_SPEC_H_
