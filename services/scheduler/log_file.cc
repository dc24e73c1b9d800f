#include "services/scheduler/log_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "common/base/file.h"

namespace staticship::scheduler {

Result<std::unique_ptr<LogFile>> PosixLogFile::Open(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
  if (!fd.valid()) return ErrnoError("cannot open log", path);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return ErrnoError("cannot stat log", path);
  return std::unique_ptr<LogFile>(
      new PosixLogFile(std::move(fd), path, static_cast<uint64_t>(st.st_size)));
}

Status PosixLogFile::Append(std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::pwrite(fd_.get(), data.data(), data.size(),
                         static_cast<off_t>(size_));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("cannot append to", path_);
    }
    size_ += static_cast<uint64_t>(n);
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Status PosixLogFile::Sync() {
  if (::fdatasync(fd_.get()) != 0) return ErrnoError("cannot fdatasync", path_);
  return Status::Ok();
}

Status PosixLogFile::Truncate(uint64_t size) {
  if (::ftruncate(fd_.get(), static_cast<off_t>(size)) != 0) {
    return ErrnoError("cannot truncate", path_);
  }
  size_ = size;
  return Status::Ok();
}

}  // namespace staticship::scheduler
