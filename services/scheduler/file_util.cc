#include "services/scheduler/file_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace staticship::scheduler {

void ScopedFd::Reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Error ErrnoError(std::string_view what, std::string_view path) {
  return MakeError(std::string(what) + " " + std::string(path) + ": " +
                   std::strerror(errno));
}

Status MakeDirs(const std::string& path) {
  if (path.empty()) return MakeError("empty directory path");
  for (size_t pos = 1; pos <= path.size(); ++pos) {
    if (pos != path.size() && path[pos] != '/') continue;
    std::string prefix = path.substr(0, pos);
    if (::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) {
      return ErrnoError("cannot create directory", prefix);
    }
  }
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return ErrnoError("cannot stat", path);
  if (!S_ISDIR(st.st_mode)) return MakeError(path + " is not a directory");
  return Status::Ok();
}

Result<std::string> ReadWholeFile(const std::string& path) {
  ScopedFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoError("cannot open", path);
  std::string data;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("cannot read", path);
    }
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
  }
  return data;
}

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("cannot write", path);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Status SyncDirectory(const std::string& dir) {
  ScopedFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoError("cannot open directory", dir);
  if (::fsync(fd.get()) != 0) return ErrnoError("cannot fsync directory", dir);
  return Status::Ok();
}

Status WriteFileDurably(const std::string& dir, const std::string& name,
                        std::string_view data) {
  std::string path = dir + "/" + name;
  std::string tmp = path + ".tmp";
  {
    ScopedFd fd(
        ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd.valid()) return ErrnoError("cannot create", tmp);
    if (Status s = WriteAll(fd.get(), data, tmp); !s.ok()) {
      ::unlink(tmp.c_str());
      return s;
    }
    if (::fsync(fd.get()) != 0) {
      Error e = ErrnoError("cannot fsync", tmp);
      ::unlink(tmp.c_str());
      return e;
    }
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Error e = ErrnoError("cannot rename", tmp);
    ::unlink(tmp.c_str());
    return e;
  }
  return SyncDirectory(dir);
}

Result<std::vector<std::string>> ListDirectory(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return ErrnoError("cannot list directory", dir);
  std::vector<std::string> names;
  while (dirent* entry = ::readdir(d)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(std::move(name));
  }
  ::closedir(d);
  return names;
}

}  // namespace staticship::scheduler
