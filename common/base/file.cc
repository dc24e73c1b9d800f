#include "common/base/file.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/base/unique_fd.h"

namespace staticship {
namespace {

constexpr std::string_view kTemporaryInfix = ".tmp-";

}  // namespace

Error ErrnoError(std::string_view what, std::string_view path) {
  return MakeError(std::string(what) + " " + std::string(path) + ": " +
                   std::strerror(errno));
}

Result<std::string> ReadWholeFile(const std::filesystem::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoError("cannot open", path.native());
  // Read straight into the string, never through a stack buffer: server
  // threads on musl have 128 KiB stacks, and a 64 KiB buffer under a
  // handler that already holds one (the server's read buffer) would reach
  // past the guard page into another thread's memory.
  constexpr size_t kChunk = 1 << 16;
  std::string data;
  size_t size = 0;
  for (;;) {
    data.resize(size + kChunk);
    const ssize_t n = ::read(fd.get(), data.data() + size, kChunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("cannot read", path.native());
    }
    if (n == 0) break;
    size += static_cast<size_t>(n);
  }
  data.resize(size);
  return data;
}

Status WriteAll(int fd, std::string_view data, std::string_view path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("cannot write", path);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Status WriteFileAtomically(const std::filesystem::path& path,
                           std::string_view bytes,
                           const AtomicWriteOptions& options) {
  std::string temp = path.native() + std::string(kTemporaryInfix) + "XXXXXX";
  UniqueFd fd(::mkstemp(temp.data()));
  if (!fd.valid()) return ErrnoError("cannot create", temp);
  // Every failure from here on must not leave the temporary behind.
  auto fail = [&temp](Error error) {
    ::unlink(temp.c_str());
    return Status(std::move(error));
  };
  if (Status s = WriteAll(fd.get(), bytes, temp); !s.ok()) {
    return fail(s.error());
  }
  // mkstemp creates 0600; outputs are meant to be readable like any file.
  if (::fchmod(fd.get(), options.mode) != 0) {
    return fail(ErrnoError("cannot chmod", temp));
  }
  if (options.durable && ::fsync(fd.get()) != 0) {
    return fail(ErrnoError("cannot fsync", temp));
  }
  // close() reports write-back errors on some file systems (NFS).
  if (::close(fd.Release()) != 0) return fail(ErrnoError("cannot close", temp));
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    return fail(ErrnoError("cannot rename to", path.native()));
  }
  if (!options.durable) return Status::Ok();
  const std::filesystem::path dir = path.parent_path();
  return SyncDirectory(dir.empty() ? std::filesystem::path(".") : dir);
}

bool IsAtomicWriteTemporary(std::string_view file_name) {
  const size_t at = file_name.rfind(kTemporaryInfix);
  return at != std::string_view::npos &&
         file_name.size() - at == kTemporaryInfix.size() + 6;
}

Status SyncDirectory(const std::filesystem::path& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoError("cannot open directory", dir.native());
  if (::fsync(fd.get()) != 0) {
    return ErrnoError("cannot fsync directory", dir.native());
  }
  return Status::Ok();
}

Status MakeDirs(const std::string& path) {
  if (path.empty()) return MakeError("empty directory path");
  for (size_t pos = 1; pos <= path.size(); ++pos) {
    if (pos != path.size() && path[pos] != '/') continue;
    const std::string prefix = path.substr(0, pos);
    if (::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) {
      return ErrnoError("cannot create directory", prefix);
    }
  }
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return ErrnoError("cannot stat", path);
  if (!S_ISDIR(st.st_mode)) return MakeError(path + " is not a directory");
  return Status::Ok();
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

}  // namespace staticship
