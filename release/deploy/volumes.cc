#include "release/deploy/volumes.h"

#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/base/file.h"
#include "common/base/unique_fd.h"

namespace staticship::deploy {
namespace {

namespace fs = std::filesystem;

std::string Ids(uid_t uid, gid_t gid) {
  return std::to_string(uid) + ":" + std::to_string(gid);
}

// As root: a child that becomes uid:gid (no supplementary groups) creates
// and removes a file in dir, which answers for owners, modes, ACLs and
// read-only mounts at once. The directory is opened first, as root, so the
// host path above it need not be searchable for uid: the container reaches
// the volume through its mount, not through that path. Returns 0 or the
// child's errno.
int ProbeAs(const fs::path& dir, uid_t uid, gid_t gid) {
  UniqueFd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir_fd.valid()) return errno;
  const std::string probe = ".staticship-probe-" + std::to_string(::getpid());
  const pid_t child = ::fork();
  if (child < 0) return errno;
  if (child == 0) {
    if (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 ||
        ::setuid(uid) != 0) {
      ::_exit(errno & 0xff);
    }
    const int fd = ::openat(dir_fd.get(), probe.c_str(),
                            O_CREAT | O_EXCL | O_WRONLY, 0600);
    if (fd < 0) ::_exit(errno & 0xff);
    ::close(fd);
    ::unlinkat(dir_fd.get(), probe.c_str(), 0);
    ::_exit(0);
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) return errno;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : EIO;
}

// Not root (tests, dry runs): read the mode bits and the mount flags.
int CheckModeBits(const fs::path& dir, uid_t uid, gid_t gid) {
  struct statvfs fs_info {};
  if (::statvfs(dir.c_str(), &fs_info) == 0 && (fs_info.f_flag & ST_RDONLY))
    return EROFS;
  struct stat info {};
  if (::stat(dir.c_str(), &info) != 0) return errno;
  const mode_t need = info.st_uid == uid   ? (S_IWUSR | S_IXUSR)
                      : info.st_gid == gid ? (S_IWGRP | S_IXGRP)
                                           : (S_IWOTH | S_IXOTH);
  return (info.st_mode & need) == need ? 0 : EACCES;
}

}  // namespace

Result<fs::path> PrepareVolume(const fs::path& root, const std::string& name,
                               uid_t uid, gid_t gid) {
  const fs::path dir = root / name;
  if (Status s = MakeDirs(root.string()); !s.ok()) {
    return WithContext(s.error(), "volume " + name);
  }
  if (::mkdir(dir.c_str(), 0700) == 0) {
    if (::chown(dir.c_str(), uid, gid) != 0) {
      Error error =
          ErrnoError("cannot give uid " + Ids(uid, gid), dir.string());
      ::rmdir(dir.c_str());
      return WithContext(error, "volume " + name);
    }
  } else if (errno != EEXIST) {
    return WithContext(ErrnoError("cannot create", dir.string()),
                       "volume " + name);
  }
  struct stat info {};
  if (::stat(dir.c_str(), &info) != 0) {
    return WithContext(ErrnoError("cannot stat", dir.string()),
                       "volume " + name);
  }
  if (!S_ISDIR(info.st_mode)) {
    return MakeError(ErrorCode::kFailedPrecondition,
                     "volume " + name + ": " + dir.string() +
                         " exists and is not a directory");
  }
  const int error =
      ::geteuid() == 0 ? ProbeAs(dir, uid, gid) : CheckModeBits(dir, uid, gid);
  if (error != 0) {
    return MakeError(ErrorCode::kPermissionDenied,
                     "volume " + name + ": " + dir.string() +
                         " is not writable for the container's user " +
                         Ids(uid, gid) + " (" + std::strerror(error) +
                         "); fix its owner or mode, or remove it to have it "
                         "made anew");
  }
  return dir;
}

}  // namespace staticship::deploy
