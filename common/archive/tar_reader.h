// Reads a tar archive in memory, entry by entry, the way image layers are
// written: ustar, with PAX extended headers ('x') and GNU long names ('L',
// 'K') applied to the entry they precede. Every header's checksum is
// verified and every size bounds-checked, so a corrupt or truncated layer is
// an error, never a wrong file.
#ifndef STATICSHIP_COMMON_ARCHIVE_TAR_READER_H_
#define STATICSHIP_COMMON_ARCHIVE_TAR_READER_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/base/result.h"

namespace staticship::archive {

// One entry with its metadata records applied.
struct TarMember {
  std::string path;  // as stored: may start with "/" or "./"
  std::string link;  // symlink or hard link target
  // The typeflag: '0' (or '\0', '7') file, '1' hard link, '2' symlink,
  // '3'/'4' devices, '5' directory, '6' FIFO; never 'x', 'g', 'L' or 'K'.
  char type = '0';
  std::int64_t size = 0;
  std::int64_t mode = 0;
  std::int64_t uid = 0;
  std::int64_t gid = 0;
  std::int64_t mtime = 0;
  std::string_view content;  // a view into the archive
};

class TarReader {
 public:
  // The archive must outlive the reader and every member it returns.
  explicit TarReader(std::string_view archive) : archive_(archive) {}

  // The next member, nullopt at the end of the archive (the zero block, or
  // the end of the bytes).
  Result<std::optional<TarMember>> Next();

 private:
  std::string_view archive_;
  std::size_t offset_ = 0;
};

}  // namespace staticship::archive

#endif  // STATICSHIP_COMMON_ARCHIVE_TAR_READER_H_
