#include "release/deploy/layer_unpack.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <set>
#include <vector>

#include "release/registry/unique_fd.h"

namespace staticship::deploy {
namespace {

using registry::UniqueFd;

constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";

std::string Errno(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

// Octal (NUL/space padded) or GNU base-256 numeric header field.
Result<std::int64_t> ParseNumeric(std::string_view field) {
  if (!field.empty() && (static_cast<unsigned char>(field[0]) & 0x80)) {
    std::int64_t value = 0;
    for (size_t i = 1; i < field.size(); ++i) {
      value = (value << 8) | static_cast<unsigned char>(field[i]);
    }
    return value;
  }
  size_t start = field.find_first_not_of(' ');
  if (start == std::string_view::npos) return std::int64_t{0};
  field.remove_prefix(start);
  size_t end = field.find_first_of(std::string_view(" \0", 2));
  field = field.substr(0, end);
  if (field.empty()) return std::int64_t{0};
  std::int64_t value = 0;
  auto [ptr, ec] =
      std::from_chars(field.data(), field.data() + field.size(), value, 8);
  if (ec != std::errc() || ptr != field.data() + field.size()) {
    return MakeError("bad numeric field in tar header");
  }
  return value;
}

std::string_view CString(std::string_view field) {
  return field.substr(0, field.find('\0'));
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

struct Entry {
  std::string path;
  std::string link;
  char type = '0';
  std::int64_t size = 0;
  std::int64_t mode = 0;
  std::int64_t uid = 0;
  std::int64_t gid = 0;
  std::int64_t mtime = 0;
};

void ApplyPax(std::string_view records, Entry& entry) {
  while (!records.empty()) {
    size_t space = records.find(' ');
    if (space == std::string_view::npos) return;
    size_t length = 0;
    std::from_chars(records.data(), records.data() + space, length);
    if (length <= space + 1 || length > records.size()) return;
    std::string_view record = records.substr(space + 1, length - space - 2);
    records.remove_prefix(length);
    size_t eq = record.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = record.substr(0, eq);
    std::string_view value = record.substr(eq + 1);
    auto number = [&](std::int64_t& out) {
      std::from_chars(value.data(), value.data() + value.size(), out);
    };
    if (key == "path") entry.path = std::string(value);
    if (key == "linkpath") entry.link = std::string(value);
    if (key == "size") number(entry.size);
    if (key == "uid") number(entry.uid);
    if (key == "gid") number(entry.gid);
    if (key == "mtime") number(entry.mtime);
  }
}

class LayerApplier {
 public:
  explicit LayerApplier(UniqueFd root) : root_(std::move(root)) {}

  Status Apply(const Entry& entry, std::string_view content) {
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
        while (done < content.size()) {
          ssize_t n =
              ::write(file.get(), content.data() + done, content.size() - done);
          if (n < 0 && errno == EINTR) continue;
          if (n <= 0) return MakeError(Errno("write " + full));
          done += static_cast<size_t>(n);
        }
        stats_.bytes += static_cast<std::int64_t>(content.size());
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
                     const Entry& entry, mode_t mode, bool is_link) {
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

Result<std::string> Gunzip(std::string_view compressed) {
  z_stream stream{};
  if (inflateInit2(&stream, 15 + 32) != Z_OK)
    return MakeError("inflateInit failed");
  std::string out;
  stream.next_in =
      reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  stream.avail_in = static_cast<uInt>(compressed.size());
  char buffer[1 << 16];
  int rc = Z_OK;
  for (;;) {
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof buffer;
    rc = inflate(&stream, Z_NO_FLUSH);
    out.append(buffer, sizeof buffer - stream.avail_out);
    if (rc == Z_STREAM_END) {
      if (stream.avail_in == 0) break;
      inflateReset(&stream);  // another gzip member follows
      continue;
    }
    if (rc != Z_OK) break;
    if (stream.avail_in == 0 && stream.avail_out != 0) {
      rc = Z_DATA_ERROR;  // input ended inside the stream
      break;
    }
  }
  inflateEnd(&stream);
  if (rc != Z_STREAM_END)
    return MakeError("layer is not valid gzip (truncated or corrupt)");
  return out;
}

Result<UnpackStats> ApplyTarLayer(std::string_view tar,
                                  const std::filesystem::path& root) {
  UniqueFd root_fd(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root_fd.valid()) return MakeError(Errno("open " + root.string()));
  LayerApplier applier(std::move(root_fd));
  std::string long_name, long_link;
  Entry pax;
  bool have_pax = false;
  size_t offset = 0;
  while (offset + 512 <= tar.size()) {
    std::string_view header = tar.substr(offset, 512);
    if (header.find_first_not_of('\0') == std::string_view::npos) break;  // end
    // Checksum: sum of header bytes with the checksum field as spaces.
    Result<std::int64_t> checksum = ParseNumeric(header.substr(148, 8));
    std::int64_t sum = 0;
    for (size_t i = 0; i < 512; ++i) {
      sum +=
          (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(header[i]);
    }
    if (!checksum.ok() || *checksum != sum) {
      return MakeError("tar header checksum mismatch at offset " +
                       std::to_string(offset));
    }
    Entry entry;
    entry.type = header[156];
    Result<std::int64_t> size = ParseNumeric(header.substr(124, 12));
    Result<std::int64_t> mode = ParseNumeric(header.substr(100, 8));
    Result<std::int64_t> uid = ParseNumeric(header.substr(108, 8));
    Result<std::int64_t> gid = ParseNumeric(header.substr(116, 8));
    Result<std::int64_t> mtime = ParseNumeric(header.substr(136, 12));
    if (!size.ok() || !mode.ok() || !uid.ok() || !gid.ok() || !mtime.ok() ||
        *size < 0) {
      return MakeError("bad tar header at offset " + std::to_string(offset));
    }
    entry.size = *size;
    entry.mode = *mode;
    entry.uid = *uid;
    entry.gid = *gid;
    entry.mtime = *mtime;
    std::string name(CString(header.substr(0, 100)));
    if (header.substr(257, 5) == "ustar") {
      std::string prefix(CString(header.substr(345, 155)));
      if (!prefix.empty()) name = prefix + "/" + name;
    }
    entry.path = name;
    entry.link = std::string(CString(header.substr(157, 100)));
    if (have_pax) {
      if (!pax.path.empty()) entry.path = pax.path;
      if (!pax.link.empty()) entry.link = pax.link;
      if (pax.size >= 0) entry.size = pax.size;
      if (pax.uid >= 0) entry.uid = pax.uid;
      if (pax.gid >= 0) entry.gid = pax.gid;
      if (pax.mtime >= 0) entry.mtime = pax.mtime;
    }
    offset += 512;
    if (entry.size > static_cast<std::int64_t>(tar.size() - offset)) {
      return MakeError("tar entry '" + entry.path + "' is truncated");
    }
    std::string_view content =
        tar.substr(offset, static_cast<size_t>(entry.size));
    offset += (static_cast<size_t>(entry.size) + 511) / 512 * 512;

    switch (entry.type) {
      case 'x':
        pax = Entry{};
        pax.size = pax.uid = pax.gid = pax.mtime = -1;
        ApplyPax(content, pax);
        have_pax = true;
        continue;
      case 'g':
        continue;  // global PAX header: nothing we use
      case 'L':
        long_name = std::string(CString(content));
        continue;
      case 'K':
        long_link = std::string(CString(content));
        continue;
      default:
        break;
    }
    if (!long_name.empty()) entry.path = std::move(long_name);
    if (!long_link.empty()) entry.link = std::move(long_link);
    long_name.clear();
    long_link.clear();
    have_pax = false;
    if (entry.path.starts_with("/")) {
      // Absolute names are relative to the image root, as every tool reads
      // them.
      size_t first = entry.path.find_first_not_of('/');
      entry.path = first == std::string::npos ? "" : entry.path.substr(first);
    }
    Status applied = applier.Apply(entry, content);
    if (!applied.ok()) return applied.error();
  }
  return applier.stats();
}

}  // namespace staticship::deploy
