// `shipctl deploy` and `shipctl undeploy`: run an image from the registry as
// a runc container and prove that it answers.
//
//   <state-dir>/<name>/            the runc bundle (default /run/staticship)
//     config.json rootfs/          see runtime_spec.h for what is in it
//     container.log runc.log       the service's and runc's output
//     image.digest                 what is deployed
//   <volume-root>/<volume>/        data volumes (volumes.h): never removed
//
// The container id is "staticship-<name>". A second deploy of a name
// replaces the first (the new image is pulled and unpacked before the old
// container is stopped, so the gap is one stop plus one start).
#ifndef STATICSHIP_RELEASE_DEPLOY_DEPLOY_H_
#define STATICSHIP_RELEASE_DEPLOY_DEPLOY_H_

#include <chrono>
#include <filesystem>
#include <span>
#include <string>

#include "common/base/result.h"
#include "release/deploy/runc.h"

namespace staticship::deploy {

inline constexpr char kDefaultStateDir[] = "/run/staticship";

std::string ContainerId(const std::string& name);
// Lower-case letters, digits, '-', '_', '.'; starts alphanumeric; <= 63.
bool ValidName(std::string_view name);

// Polls http://127.0.0.1:<port><path> until a 200, the deadline, or until
// pid (when > 0) has exited. Returns the time it took.
Result<std::chrono::milliseconds> WaitHealthy(
    int port, const std::string& path,
    std::chrono::steady_clock::time_point deadline, pid_t pid);

// Stops (SIGTERM, then SIGKILL after grace) and deletes the container, then
// removes its bundle. Not deployed is not an error; returns whether
// anything was there.
Result<bool> StopAndRemove(const Runc& runc, const std::string& name,
                           const std::filesystem::path& state_dir,
                           std::chrono::milliseconds grace);

// `shipctl deploy --ref HOST:PORT/REPO@sha256:... --name NAME --port P
//  [--health /health] [--timeout 10s] [--state-dir DIR] [--auth-file F]
//  [--insecure-http] [--runc PATH] [--grace 5s] [--policy FILE]
//  [--deploy-file F] [--mount SRC:DST[:ro]]... [--volume NAME:DST]...
//  [--env K=V]... [--arg A]... [--memory 256M] [--cpus 1.5]
//  [--volume-root DIR] [--allow-missing-limits]` (container_setup.h)
int RunDeploy(std::span<char* const> args);
// `shipctl undeploy --name NAME [--state-dir DIR] [--grace 5s] [--runc PATH]`
int RunUndeploy(std::span<char* const> args);

}  // namespace staticship::deploy

#endif  // STATICSHIP_RELEASE_DEPLOY_DEPLOY_H_
