// The deploy file: a service's deploy-time settings beside its BUILD file,
// read by `shipctl deploy/manifest --deploy-file FILE` (and so by every
// `<name>_deploy` target whose static_service names one). Every field is
// optional; the short forms are docker compose's:
//
//   mounts:                  # SRC:DST[:ro], SRC relative to this file
//     - zones.yaml:/etc/scheduler/zones.yaml:ro
//   volumes:                 # NAME:DST, a persistent data volume
//     - scheduler-data:/var/lib/scheduler
//   env:                     # added to (or replacing) the image's Env
//     LOG_FORMAT: json
//   args: [--workers, "64"]  # appended to the image's Cmd
//   memory: 256M             # as --memory
//   cpus: 1.5                # as --cpus
//
// An unknown field, a wrong type or a bad value is one error naming the
// file and the field ("deploy.yaml: mounts[1]: ...").
#ifndef STATICSHIP_RELEASE_DEPLOY_DEPLOY_FILE_H_
#define STATICSHIP_RELEASE_DEPLOY_DEPLOY_FILE_H_

#include <filesystem>
#include <string>
#include <string_view>

#include "common/base/result.h"
#include "release/deploy/container_settings.h"

namespace staticship::deploy {

// `name` labels errors; relative mount sources resolve against `base`.
Result<ContainerSettings> ParseDeployFile(std::string_view text,
                                          const std::string& name,
                                          const std::filesystem::path& base);
Result<ContainerSettings> LoadDeployFile(const std::filesystem::path& path);

}  // namespace staticship::deploy

#endif  // STATICSHIP_RELEASE_DEPLOY_DEPLOY_FILE_H_
