// Whether this machine can enforce --memory and --cpus. runc puts limits in
// the container's cgroup; without the controller the container would start
// unlimited (or runc would fail late), so deploy asks first.
#ifndef STATICSHIP_RELEASE_DEPLOY_CGROUP_LIMITS_H_
#define STATICSHIP_RELEASE_DEPLOY_CGROUP_LIMITS_H_

#include <filesystem>
#include <string>
#include <vector>

namespace staticship::deploy {

inline constexpr char kCgroupRoot[] = "/sys/fs/cgroup";

// One line per limit asked for whose controller is missing, naming the
// file that says so: cgroup v2's <root>/cgroup.controllers when it exists,
// else the v1 hierarchies' <root>/memory/memory.limit_in_bytes and
// <root>/cpu/cpu.cfs_quota_us. Empty when every limit can be enforced.
std::vector<std::string> MissingLimitControllers(
    const std::filesystem::path& cgroup_root, bool memory, bool cpu);

}  // namespace staticship::deploy

#endif  // STATICSHIP_RELEASE_DEPLOY_CGROUP_LIMITS_H_
