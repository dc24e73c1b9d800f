#include "release/deploy/layer_unpack.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <set>
#include <vector>

#include "common/archive/tar_reader.h"
#include "common/base/unique_fd.h"

namespace staticship::deploy {
namespace {

using archive::TarMember;
using archive::TarReader;

constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";

std::string Errno(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

// "./a//b/" -> {"a","b"}; ".." anywhere is an error.
Result<std::vector<std::string>> SplitPath(std::string_view path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view part = path.substr(start, end - start);
    if (part == "..") {
      return MakeError("path '" + std::string(path) + "' escapes the root");
    }
    if (!part.empty() && part != ".") parts.emplace_back(part);
    start = end + 1;
  }
  return parts;
}

std::string Join(const std::vector<std::string>& parts, size_t count) {
  std::string out;
  for (size_t i = 0; i < count; ++i) {
    if (i) out += '/';
    out += parts[i];
  }
  return out;
}

// Opens the directory made of parts[0..count) below root, creating missing
// directories (0755) and refusing to traverse anything but a real directory.
Result<UniqueFd> OpenDirChain(int root_fd,
                              const std::vector<std::string>& parts,
                              size_t count) {
  UniqueFd current(::fcntl(root_fd, F_DUPFD_CLOEXEC, 0));
  if (!current.valid()) return MakeError(Errno("dup"));
  for (size_t i = 0; i < count; ++i) {
    int fd = ::openat(current.get(), parts[i].c_str(),
                      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
      if (::mkdirat(current.get(), parts[i].c_str(), 0755) != 0 &&
          errno != EEXIST) {
        return MakeError(Errno("mkdir " + Join(parts, i + 1)));
      }
      fd = ::openat(current.get(), parts[i].c_str(),
                    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (fd < 0) {
      if (errno == ELOOP || errno == ENOTDIR) {
        return MakeError("path '" + Join(parts, count) +
                         "' goes through a symlink or a non-directory at '" +
                         Join(parts, i + 1) + "'");
      }
      return MakeError(Errno("open " + Join(parts, i + 1)));
    }
    current.Reset(fd);
  }
  return current;
}

Status RemoveTree(int parent_fd, const std::string& name) {
  struct stat st;
  if (::fstatat(parent_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return errno == ENOENT ? Status::Ok()
                           : Status(MakeError(Errno("stat " + name)));
  }
  if (!S_ISDIR(st.st_mode)) {
    if (::unlinkat(parent_fd, name.c_str(), 0) != 0 && errno != ENOENT) {
      return MakeError(Errno("unlink " + name));
    }
    return Status::Ok();
  }
  int fd = ::openat(parent_fd, name.c_str(),
                    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return MakeError(Errno("open " + name));
  DIR* dir = ::fdopendir(fd);
  if (dir == nullptr) {
    ::close(fd);
    return MakeError(Errno("opendir " + name));
  }
  std::vector<std::string> children;
  while (dirent* entry = ::readdir(dir)) {
    std::string child = entry->d_name;
    if (child != "." && child != "..") children.push_back(child);
  }
  Status status;
  for (const std::string& child : children) {
    status = RemoveTree(::dirfd(dir), child);
    if (!status.ok()) break;
  }
  ::closedir(dir);
  if (!status.ok()) return status;
  if (::unlinkat(parent_fd, name.c_str(), AT_REMOVEDIR) != 0 &&
      errno != ENOENT) {
    return MakeError(Errno("rmdir " + name));
  }
  return Status::Ok();
}

// Whether a relative symlink target, read from the directory at depth
// `depth` below the root, stays inside the root.
bool RelativeTargetStaysInside(std::string_view target, size_t depth) {
  long level = static_cast<long>(depth);
  size_t start = 0;
  while (start <= target.size()) {
    size_t end = target.find('/', start);
    if (end == std::string_view::npos) end = target.size();
    std::string_view part = target.substr(start, end - start);
    if (part == "..") {
      if (--level < 0) return false;
    } else if (!part.empty() && part != ".") {
      ++level;
    }
    start = end + 1;
  }
  return true;
}

class LayerApplier {
 public:
  explicit LayerApplier(UniqueFd root) : root_(std::move(root)) {}

  Status Apply(const TarMember& entry) {
    Result<std::vector<std::string>> parts = SplitPath(entry.path);
    if (!parts.ok()) return parts.error();
    if (parts->empty()) return Status::Ok();  // the root itself
    const std::string& name = parts->back();
    const std::string full = Join(*parts, parts->size());
    Result<UniqueFd> parent =
        OpenDirChain(root_.get(), *parts, parts->size() - 1);
    if (!parent.ok()) return parent.error();
    const int dir = parent->get();
    const std::string parent_path = Join(*parts, parts->size() - 1);
    ++stats_.entries;

    if (name == kOpaqueMarker) {
      ++stats_.whiteouts;
      return MakeOpaque(dir, parent_path);
    }
    if (name.starts_with(kWhiteoutPrefix)) {
      ++stats_.whiteouts;
      std::string hidden = name.substr(kWhiteoutPrefix.size());
      std::string hidden_path =
          parent_path.empty() ? hidden : parent_path + "/" + hidden;
      if (hidden.empty() || hidden == "." || hidden == "..") {
        return MakeError("invalid whiteout '" + full + "'");
      }
      if (written_.count(hidden_path)) return Status::Ok();
      return RemoveTree(dir, hidden);
    }
    written_.insert(full);
    const mode_t mode = static_cast<mode_t>(entry.mode & 07777);
    switch (entry.type) {
      case '5': {
        struct stat st;
        if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            !S_ISDIR(st.st_mode)) {
          Status removed = RemoveTree(dir, name);
          if (!removed.ok()) return removed;
        }
        if (::mkdirat(dir, name.c_str(), mode) != 0 && errno != EEXIST) {
          return MakeError(Errno("mkdir " + full));
        }
        return SetMetadata(dir, name, full, entry, mode, /*is_link=*/false);
      }
      case '0':
      case '\0':
      case '7': {
        Status removed = RemoveTree(dir, name);
        if (!removed.ok()) return removed;
        UniqueFd file(::openat(
            dir, name.c_str(),
            O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (!file.valid()) return MakeError(Errno("create " + full));
        size_t done = 0;
        while (done < entry.content.size()) {
          ssize_t n = ::write(file.get(), entry.content.data() + done,
                              entry.content.size() - done);
          if (n < 0 && errno == EINTR) continue;
          if (n <= 0) return MakeError(Errno("write " + full));
          done += static_cast<size_t>(n);
        }
        stats_.bytes += static_cast<std::int64_t>(entry.content.size());
        return SetMetadata(dir, name, full, entry, mode, false);
      }
      case '2': {
        if (entry.link.empty())
          return MakeError("symlink '" + full + "' without target");
        if (entry.link[0] != '/' &&
            !RelativeTargetStaysInside(entry.link, parts->size() - 1)) {
          return MakeError("symlink '" + full + "' -> '" + entry.link +
                           "' escapes the root");
        }
        Status removed = RemoveTree(dir, name);
        if (!removed.ok()) return removed;
        if (::symlinkat(entry.link.c_str(), dir, name.c_str()) != 0) {
          return MakeError(Errno("symlink " + full));
        }
        return SetMetadata(dir, name, full, entry, mode, true);
      }
      case '1': {
        Result<std::vector<std::string>> target = SplitPath(entry.link);
        if (!target.ok()) {
          return MakeError("hard link '" + full + "' -> '" + entry.link +
                           "' escapes the root");
        }
        if (target->empty())
          return MakeError("hard link '" + full + "' to the root");
        Result<UniqueFd> target_dir =
            OpenDirChain(root_.get(), *target, target->size() - 1);
        if (!target_dir.ok()) return target_dir.error();
        Status removed = RemoveTree(dir, name);
        if (!removed.ok()) return removed;
        // No AT_SYMLINK_FOLLOW: linking to a symlink links the symlink.
        if (::linkat(target_dir->get(), target->back().c_str(), dir,
                     name.c_str(), 0) != 0) {
          return MakeError(Errno("hard link " + full + " -> " + entry.link));
        }
        return Status::Ok();
      }
      case '6': {
        Status removed = RemoveTree(dir, name);
        if (!removed.ok()) return removed;
        if (::mkfifoat(dir, name.c_str(), mode) != 0) {
          return MakeError(Errno("mkfifo " + full));
        }
        return SetMetadata(dir, name, full, entry, mode, false);
      }
      case '3':
      case '4':
        return Status::Ok();  // devices come from the runtime's /dev
      default:
        return MakeError(std::string("unsupported tar entry type '") +
                         entry.type + "' for '" + full + "'");
    }
  }

  const UnpackStats& stats() const { return stats_; }

 private:
  Status SetMetadata(int dir, const std::string& name, const std::string& full,
                     const TarMember& entry, mode_t mode, bool is_link) {
    // EPERM: not root; EINVAL: the id is not mapped in this user namespace
    // (e.g. a build sandbox). The files then keep our ids; as root on the
    // host, where deploy runs, the image's owners are applied.
    if (::fchownat(dir, name.c_str(), static_cast<uid_t>(entry.uid),
                   static_cast<gid_t>(entry.gid), AT_SYMLINK_NOFOLLOW) != 0 &&
        errno != EPERM && errno != EINVAL) {
      return MakeError(Errno("chown " + full));
    }
    // chown clears set-id bits, so the mode is applied after it.
    if (!is_link && ::fchmodat(dir, name.c_str(), mode, 0) != 0) {
      return MakeError(Errno("chmod " + full));
    }
    timespec times[2] = {{entry.mtime, 0}, {entry.mtime, 0}};
    ::utimensat(dir, name.c_str(), times, AT_SYMLINK_NOFOLLOW);
    return Status::Ok();
  }

  Status MakeOpaque(int dir, const std::string& dir_path) {
    DIR* listing = ::fdopendir(::fcntl(dir, F_DUPFD_CLOEXEC, 0));
    if (listing == nullptr) return MakeError(Errno("opendir " + dir_path));
    std::vector<std::string> lower;
    while (dirent* item = ::readdir(listing)) {
      std::string child = item->d_name;
      if (child == "." || child == "..") continue;
      std::string child_path =
          dir_path.empty() ? child : dir_path + "/" + child;
      if (!written_.count(child_path)) lower.push_back(child);
    }
    ::closedir(listing);
    for (const std::string& child : lower) {
      Status removed = RemoveTree(dir, child);
      if (!removed.ok()) return removed;
    }
    return Status::Ok();
  }

  UniqueFd root_;
  std::set<std::string> written_;  // paths this layer created
  UnpackStats stats_;
};

}  // namespace

Result<UnpackStats> ApplyTarLayer(std::string_view tar,
                                  const std::filesystem::path& root) {
  UniqueFd root_fd(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root_fd.valid()) return MakeError(Errno("open " + root.string()));
  LayerApplier applier(std::move(root_fd));
  TarReader reader(tar);
  for (;;) {
    Result<std::optional<TarMember>> next = reader.Next();
    if (!next.ok()) return next.error();
    if (!next->has_value()) break;
    TarMember& entry = **next;
    if (entry.path.starts_with("/")) {
      // Absolute names are relative to the image root, as every tool reads
      // them.
      size_t first = entry.path.find_first_not_of('/');
      entry.path = first == std::string::npos ? "" : entry.path.substr(first);
    }
    Status applied = applier.Apply(entry);
    if (!applied.ok()) return applied.error();
  }
  return applier.stats();
}

}  // namespace staticship::deploy
