#include "release/deploy/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>
#include <utility>

#include "common/base/unique_fd.h"

extern char** environ;

namespace staticship::deploy {
namespace {

using Clock = std::chrono::steady_clock;

// Owns a child pid: kills and reaps it unless Wait() already did.
class Child {
 public:
  explicit Child(pid_t pid) : pid_(pid) {}
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      int status;
      while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
    }
  }

  // Returns the exit code, or nullopt-like -2 when still running at deadline.
  int WaitUntil(Clock::time_point deadline) {
    for (;;) {
      int status = 0;
      pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        pid_ = -1;
        if (WIFEXITED(status)) return WEXITSTATUS(status);
        if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
        return -1;
      }
      if (r < 0 && errno != EINTR) return -1;
      if (Clock::now() >= deadline) return -2;
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
  }

 private:
  pid_t pid_;
};

}  // namespace

Result<ProcessResult> RunProcess(const std::vector<std::string>& argv,
                                 std::chrono::milliseconds timeout,
                                 int output_fd) {
  if (argv.empty()) return MakeError("no program to run");
  const Clock::time_point deadline = Clock::now() + timeout;
  UniqueFd read_end, write_end;
  if (output_fd < 0) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return MakeError("pipe failed");
    read_end.Reset(fds[0]);
    write_end.Reset(fds[1]);
    output_fd = write_end.get();
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, output_fd, 1);
  posix_spawn_file_actions_adddup2(&actions, output_fd, 2);
  std::vector<char*> args;
  for (const std::string& arg : argv)
    args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc =
      ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    return MakeError("cannot run " + argv[0] + ": " + std::strerror(rc));
  }
  Child child(pid);
  write_end.Reset();
  ProcessResult result;
  if (read_end.valid()) {
    char buffer[4096];
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - Clock::now());
      if (left.count() <= 0) break;
      pollfd p{read_end.get(), POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      ssize_t n = ::read(read_end.get(), buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      result.output.append(buffer, static_cast<size_t>(n));
    }
  }
  result.exit_code = child.WaitUntil(deadline);
  if (result.exit_code == -2) {
    return MakeError(argv[0] + " did not finish within " +
                     std::to_string(timeout.count()) + " ms");
  }
  return result;
}

}  // namespace staticship::deploy
