// The runc commands a deployment needs, each a short-lived child process.
#ifndef STATICSHIP_RELEASE_DEPLOY_RUNC_H_
#define STATICSHIP_RELEASE_DEPLOY_RUNC_H_

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>

#include "common/base/result.h"

namespace staticship::deploy {

struct ContainerState {
  std::string status;  // "created", "running", "stopped", ...
  pid_t pid = 0;
  std::string bundle;
};

class Runc {
 public:
  explicit Runc(std::string binary = "runc") : binary_(std::move(binary)) {}

  // `runc run --detach`: the container's stdout and stderr go to
  // <bundle>/container.log, runc's own messages to <bundle>/runc.log.
  Status Run(const std::string& id, const std::filesystem::path& bundle) const;
  // nullopt when runc does not know the container.
  Result<std::optional<ContainerState>> State(const std::string& id) const;
  Status Kill(const std::string& id, const std::string& signal) const;
  Status Delete(const std::string& id) const;  // --force

 private:
  std::string binary_;
};

// True while pid exists and is not a zombie.
bool ProcessAlive(pid_t pid);

}  // namespace staticship::deploy

#endif  // STATICSHIP_RELEASE_DEPLOY_RUNC_H_
