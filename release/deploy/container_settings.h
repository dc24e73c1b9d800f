// What an operator adds to an image at deploy time, the way `docker run`
// and a Kubernetes pod spec take it: bind mounts, named data volumes,
// environment, extra arguments and resource limits. `shipctl deploy` turns
// it into the runc spec and `shipctl manifest` into Kubernetes objects, so
// the two describe the same container.
#ifndef STATICSHIP_RELEASE_DEPLOY_CONTAINER_SETTINGS_H_
#define STATICSHIP_RELEASE_DEPLOY_CONTAINER_SETTINGS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace staticship::deploy {

// A host file or directory seen at `destination` in the container.
struct BindMount {
  std::string source;  // absolute host path
  std::string destination;
  bool read_only = false;
};

// A named, persistent, writable directory owned by the image's user.
struct VolumeMount {
  std::string name;
  std::string destination;
};

struct ContainerSettings {
  std::vector<BindMount> mounts;
  std::vector<VolumeMount> volumes;
  // KEY, VALUE in the order given; a later KEY replaces an earlier one.
  std::vector<std::pair<std::string, std::string>> env;
  // Appended to the image's Entrypoint + Cmd.
  std::vector<std::string> args;
  std::optional<std::int64_t> memory_bytes;
  // CPU time as thousandths of a CPU (1.5 CPUs = 1500), Kubernetes' unit.
  std::optional<std::int64_t> millicpus;
};

}  // namespace staticship::deploy

#endif  // STATICSHIP_RELEASE_DEPLOY_CONTAINER_SETTINGS_H_
