// Small POSIX file helpers with errno-bearing errors and an owning fd.
#ifndef STATICSHIP_SERVICES_SCHEDULER_FILE_UTIL_H_
#define STATICSHIP_SERVICES_SCHEDULER_FILE_UTIL_H_

#include <string>
#include <string_view>
#include <vector>

#include "services/common/result.h"

namespace staticship::scheduler {

class ScopedFd {
 public:
  ScopedFd() = default;
  explicit ScopedFd(int fd) : fd_(fd) {}
  ~ScopedFd() { Reset(); }
  ScopedFd(ScopedFd&& other) noexcept : fd_(other.Release()) {}
  ScopedFd& operator=(ScopedFd&& other) noexcept {
    if (this != &other) {
      Reset();
      fd_ = other.Release();
    }
    return *this;
  }
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int Release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void Reset();

 private:
  int fd_ = -1;
};

// "<what> <path>: <strerror(errno)>".
Error ErrnoError(std::string_view what, std::string_view path);

Status MakeDirs(const std::string& path);
Result<std::string> ReadWholeFile(const std::string& path);
Status WriteAll(int fd, std::string_view data, const std::string& path);
// Makes creations, renames and deletions in `dir` durable.
Status SyncDirectory(const std::string& dir);
// Writes to `path`.tmp, syncs it, renames it over `path`, syncs the dir.
Status WriteFileDurably(const std::string& dir, const std::string& name,
                        std::string_view data);
Result<std::vector<std::string>> ListDirectory(const std::string& dir);

}  // namespace staticship::scheduler

#endif  // STATICSHIP_SERVICES_SCHEDULER_FILE_UTIL_H_
