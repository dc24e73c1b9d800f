#include "release/deploy/container_setup.h"

#include <thread>

#include "release/deploy/cgroup_limits.h"
#include "release/deploy/deploy_options.h"
#include "release/deploy/runtime_spec.h"
#include "release/deploy/volumes.h"

namespace staticship::deploy {

std::set<std::string> SetupValueFlags() {
  std::set<std::string> names = SettingFlagNames();
  names.insert("volume-root");
  return names;
}

std::set<std::string> SetupSwitches() { return {"allow-missing-limits"}; }

Result<PreparedContainer> PrepareContainer(
    const Flags& flags, const std::filesystem::path& cgroup_root) {
  Result<ContainerSettings> settings = LoadSettings(flags);
  if (!settings.ok()) return settings.error();
  PreparedContainer prepared;
  prepared.settings = std::move(settings.value());
  ContainerSettings& s = prepared.settings;

  // A quota above the machine's CPUs is no limit at all: say so.
  const unsigned cpus = std::thread::hardware_concurrency();
  if (s.millicpus && cpus > 0 && *s.millicpus > std::int64_t{cpus} * 1000) {
    return MakeError(ErrorCode::kOutOfRange,
                     "--cpus " + CpuQuantity(*s.millicpus) +
                         " is more than the " + std::to_string(cpus) +
                         " CPUs of this machine");
  }
  const std::vector<std::string> missing = MissingLimitControllers(
      cgroup_root, s.memory_bytes.has_value(), s.millicpus.has_value());
  if (!missing.empty()) {
    if (!flags.GetBool("allow-missing-limits")) {
      return MakeError(ErrorCode::kFailedPrecondition,
                       missing.front() +
                           "; the container would run unlimited: remove the "
                           "limit or pass --allow-missing-limits");
    }
    for (const std::string& line : missing) {
      prepared.warnings.push_back(line + "; deploying without that limit");
    }
    for (const std::string& line : missing) {
      if (line.starts_with("--memory")) s.memory_bytes.reset();
      if (line.starts_with("--cpus")) s.millicpus.reset();
    }
  }

  const std::filesystem::path root =
      flags.Get("volume-root").value_or(kDefaultVolumeRoot);
  for (const VolumeMount& volume : s.volumes) {
    if (prepared.volume_paths.contains(volume.name)) continue;
    Result<std::filesystem::path> dir =
        PrepareVolume(root, volume.name, kNonrootId, kNonrootId);
    if (!dir.ok()) return dir.error();
    prepared.volume_paths[volume.name] = dir->string();
  }
  return prepared;
}

}  // namespace staticship::deploy
