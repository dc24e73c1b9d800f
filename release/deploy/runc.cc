#include "release/deploy/runc.h"

#include <fcntl.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "common/base/file.h"
#include "common/base/unique_fd.h"
#include "release/deploy/subprocess.h"

namespace staticship::deploy {
namespace {

constexpr std::chrono::milliseconds kRuncTimeout{15000};

std::string FirstLine(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  return line.empty() ? "(no output)" : line;
}

}  // namespace

Status Runc::Run(const std::string& id,
                 const std::filesystem::path& bundle) const {
  UniqueFd log(::open((bundle / "container.log").c_str(),
                      O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
  if (!log.valid())
    return MakeError("cannot create " + (bundle / "container.log").string());
  Result<ProcessResult> run =
      RunProcess({binary_, "--log", (bundle / "runc.log").string(), "run",
                  "--detach", "--bundle", bundle.string(), "--pid-file",
                  (bundle / "container.pid").string(), id},
                 kRuncTimeout, log.get());
  if (!run.ok()) return run.error();
  if (run->exit_code != 0) {
    return MakeError("runc run exited with " + std::to_string(run->exit_code));
  }
  return Status::Ok();
}

Result<std::optional<ContainerState>> Runc::State(const std::string& id) const {
  Result<ProcessResult> state =
      RunProcess({binary_, "state", id}, kRuncTimeout);
  if (!state.ok()) return state.error();
  if (state->exit_code != 0) {
    if (state->output.find("does not exist") != std::string::npos) {
      return std::optional<ContainerState>();
    }
    return MakeError("runc state " + id + ": " + FirstLine(state->output));
  }
  nlohmann::json doc = nlohmann::json::parse(state->output, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return MakeError("runc state " + id + ": unreadable output");
  }
  ContainerState out;
  out.status = doc.value("status", "");
  out.pid = doc.value("pid", 0);
  out.bundle = doc.value("bundle", "");
  return std::optional<ContainerState>(out);
}

Status Runc::Kill(const std::string& id, const std::string& signal) const {
  Result<ProcessResult> kill =
      RunProcess({binary_, "kill", id, signal}, kRuncTimeout);
  if (!kill.ok()) return kill.error();
  if (kill->exit_code != 0) {
    return MakeError("runc kill " + id + " " + signal + ": " +
                     FirstLine(kill->output));
  }
  return Status::Ok();
}

Status Runc::Delete(const std::string& id) const {
  Result<ProcessResult> del =
      RunProcess({binary_, "delete", "--force", id}, kRuncTimeout);
  if (!del.ok()) return del.error();
  if (del->exit_code != 0 &&
      del->output.find("does not exist") == std::string::npos) {
    return MakeError("runc delete " + id + ": " + FirstLine(del->output));
  }
  return Status::Ok();
}

bool ProcessAlive(pid_t pid) {
  if (pid <= 0) return false;
  Result<std::string> stat =
      ReadWholeFile("/proc/" + std::to_string(pid) + "/stat");
  if (!stat.ok()) return false;
  const std::string& content = *stat;
  // The state letter follows the ")" that closes the command name.
  size_t close = content.rfind(')');
  if (close == std::string::npos || close + 2 >= content.size()) return false;
  char state = content[close + 2];
  return state != 'Z' && state != 'X';
}

}  // namespace staticship::deploy
