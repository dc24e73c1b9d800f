// The container settings of `shipctl deploy` and `shipctl manifest`, read
// from their flags and an optional deploy file, and checked as a whole
// before anything is pulled, created or started:
//
//   --deploy-file FILE     YAML (deploy_file.h); the flags below add to it
//   --mount SRC:DST[:ro]   bind-mount a host file or directory (repeatable)
//   --volume NAME:DST      a named data volume (repeatable; volumes.h)
//   --env KEY=VALUE        add or override an image Env entry (repeatable)
//   --arg ARG              appended to the image's Cmd (repeatable)
//   --memory 256M          memory limit: bytes, or K/M/G/T (and Ki/Mi/Gi/Ti),
//                          all powers of 1024 as in docker and Kubernetes
//   --cpus 1.5             CPU time limit in CPUs, at most 3 decimals
#ifndef STATICSHIP_RELEASE_DEPLOY_DEPLOY_OPTIONS_H_
#define STATICSHIP_RELEASE_DEPLOY_DEPLOY_OPTIONS_H_

#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "common/base/flags.h"
#include "common/base/result.h"
#include "release/deploy/container_settings.h"

namespace staticship::deploy {

// The value flags above, for a command's FlagSpec.
std::set<std::string> SettingFlagNames();

// "SRC:DST[:ro|:rw]"; a relative SRC is taken relative to `base`.
Result<BindMount> ParseMount(std::string_view text,
                             const std::filesystem::path& base);
// "NAME:DST".
Result<VolumeMount> ParseVolume(std::string_view text);
// "KEY=VALUE"; KEY is a C identifier and not PORT (that is --port's).
Result<std::pair<std::string, std::string>> ParseEnv(std::string_view text);
Result<std::int64_t> ParseMemory(std::string_view text);
Result<std::int64_t> ParseMillicpus(std::string_view text);

// Lower-case letters, digits, '-', '_', '.'; starts alphanumeric; <= 63.
bool ValidVolumeName(std::string_view name);
// An absolute, normalised path outside /proc, /sys and /dev, and not one
// the runtime mounts itself (/tmp).
Status CheckDestination(std::string_view destination);

// Destinations unique across mounts and volumes, every mount source present.
Status ValidateSettings(const ContainerSettings& settings);

// The deploy file (if --deploy-file), then the flags on top of it: mounts,
// volumes and args are added, an env KEY replaces the file's, --memory and
// --cpus replace the file's values. Validated; errors name the flag or the
// file and field.
Result<ContainerSettings> LoadSettings(const Flags& flags);

// "256Mi", "1.5" / "1500m": Kubernetes quantities.
std::string MemoryQuantity(std::int64_t bytes);
std::string CpuQuantity(std::int64_t millicpus);

}  // namespace staticship::deploy

#endif  // STATICSHIP_RELEASE_DEPLOY_DEPLOY_OPTIONS_H_
