// Whole-file reads and crash-safe writes with errno-bearing errors: what the
// scheduler's data directory, the release tools' layouts and the reports
// need from a file system.
#ifndef STATICSHIP_COMMON_BASE_FILE_H_
#define STATICSHIP_COMMON_BASE_FILE_H_

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"

namespace staticship {

// "<what> <path>: <strerror(errno)>"; call it before anything else can
// change errno.
Error ErrnoError(std::string_view what, std::string_view path);

Result<std::string> ReadWholeFile(const std::filesystem::path& path);

// Writes all of `data`, retrying short writes and EINTR; `path` only names
// the file in the error.
Status WriteAll(int fd, std::string_view data, std::string_view path);

struct AtomicWriteOptions {
  // Permission bits of the new file.
  mode_t mode = 0644;
  // fsync the file before the rename and its directory after it, so the new
  // contents survive a power cut (the scheduler's snapshots). Off, a crash
  // can leave the old contents but never a partial file.
  bool durable = false;
};

// Writes `bytes` to a unique temporary beside `path` and renames it over
// `path`: readers see the old file or the whole new one, never a part, and
// concurrent writers never share a temporary. The temporary is removed on
// failure; one left by a crash is recognised by IsAtomicWriteTemporary().
Status WriteFileAtomically(const std::filesystem::path& path,
                           std::string_view bytes,
                           const AtomicWriteOptions& options = {});
// Whether a file name is a temporary of WriteFileAtomically(), for cleanup
// after a crash.
bool IsAtomicWriteTemporary(std::string_view file_name);

// Makes creations, renames and deletions in `dir` durable.
Status SyncDirectory(const std::filesystem::path& dir);
// mkdir -p with mode 0755; fails when `path` exists and is no directory.
Status MakeDirs(const std::string& path);
// The names in `dir`, without "." and "..", in no particular order.
Result<std::vector<std::string>> ListDirectory(const std::string& dir);

}  // namespace staticship

#endif  // STATICSHIP_COMMON_BASE_FILE_H_
