// Owns one file descriptor and closes it exactly once, so that every early
// return of a POSIX call sequence releases what it opened.
#ifndef STATICSHIP_COMMON_BASE_UNIQUE_FD_H_
#define STATICSHIP_COMMON_BASE_UNIQUE_FD_H_

#include <unistd.h>

#include <utility>

namespace staticship {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) Reset(std::exchange(other.fd_, -1));
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { Reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // Hands the descriptor to the caller, who then closes it.
  int Release() { return std::exchange(fd_, -1); }
  // Closes the current descriptor (if any) and owns `fd` instead.
  void Reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

}  // namespace staticship

#endif  // STATICSHIP_COMMON_BASE_UNIQUE_FD_H_
