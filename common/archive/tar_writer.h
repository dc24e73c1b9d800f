// A deterministic tar writer for image layers and docker-archives.
//
// The bytes depend only on the entries: headers are ustar with numeric owner
// and no user/group names, mtime is the caller's fixed epoch, and a PAX
// extended header appears only when ustar cannot hold a field (a long path or
// link target, a size of 8 GiB or more, a large uid/gid). PAX records never
// carry atime, ctime or a pid-based name, which would defeat reproducibility.
#ifndef STATICSHIP_COMMON_ARCHIVE_TAR_WRITER_H_
#define STATICSHIP_COMMON_ARCHIVE_TAR_WRITER_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace staticship::archive {

enum class TarEntryType { kFile, kDirectory, kSymlink };

struct TarEntry {
  // Relative to the root: "usr/local/bin/gateway", no leading or trailing
  // '/'. Directories get their trailing '/' when encoded.
  std::string path;
  TarEntryType type = TarEntryType::kFile;
  std::uint32_t mode = 0644;  // permission bits, including 07000
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::uint64_t size = 0;   // file content size; 0 for others
  std::string link_target;  // symlinks only
};

// The header block(s) for one entry: 512 bytes, or more with a PAX header.
std::string EncodeTarHeader(const TarEntry& entry, std::int64_t mtime);
// Zero bytes after a file body of `size` bytes, up to the 512-byte boundary.
std::size_t TarPaddingSize(std::uint64_t size);
// The end-of-archive marker: two zero blocks.
std::string_view TarTrailer();

// Builds a whole archive in memory.
class TarBuilder {
 public:
  explicit TarBuilder(std::int64_t mtime) : mtime_(mtime) {}

  void AddDirectory(std::string path, std::uint32_t mode, std::uint32_t uid = 0,
                    std::uint32_t gid = 0);
  void AddFile(std::string path, std::uint32_t mode, std::string_view content,
               std::uint32_t uid = 0, std::uint32_t gid = 0);
  void AddSymlink(std::string path, std::string target);
  // Appends header + body + padding; entry.size must equal content.size().
  void Add(const TarEntry& entry, std::string_view content);
  // Appends the trailer and hands over the bytes.
  std::string Finish() &&;

  std::string& bytes() { return out_; }

 private:
  std::int64_t mtime_;
  std::string out_;
};

}  // namespace staticship::archive

#endif  // STATICSHIP_COMMON_ARCHIVE_TAR_WRITER_H_
