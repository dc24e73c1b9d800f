// An append-only file behind an interface, so tests can inject ENOSPC and EIO
// where a real disk would only rarely produce them.
#ifndef STATICSHIP_SERVICES_SCHEDULER_LOG_FILE_H_
#define STATICSHIP_SERVICES_SCHEDULER_LOG_FILE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/base/result.h"
#include "common/base/unique_fd.h"

namespace staticship::scheduler {

class LogFile {
 public:
  virtual ~LogFile() = default;
  virtual Status Append(std::string_view data) = 0;
  // Makes every appended byte durable (fdatasync).
  virtual Status Sync() = 0;
  // Cuts a failed partial append away so the next one starts clean.
  virtual Status Truncate(uint64_t size) = 0;
  virtual uint64_t size() const = 0;
  virtual const std::string& path() const = 0;
};

class PosixLogFile final : public LogFile {
 public:
  // Creates `path` (it must not exist yet) or opens it to append at its end.
  static Result<std::unique_ptr<LogFile>> Open(const std::string& path);

  Status Append(std::string_view data) override;
  Status Sync() override;
  Status Truncate(uint64_t size) override;
  uint64_t size() const override { return size_; }
  const std::string& path() const override { return path_; }

 private:
  PosixLogFile(UniqueFd fd, std::string path, uint64_t size)
      : fd_(std::move(fd)), path_(std::move(path)), size_(size) {}

  UniqueFd fd_;
  std::string path_;
  uint64_t size_;
};

}  // namespace staticship::scheduler

#endif  // STATICSHIP_SERVICES_SCHEDULER_LOG_FILE_H_
