// A LogFile over a real file whose appends and syncs can be made to fail
// with the errors a full or dying disk gives, and whose syncs can be slowed
// down so that group commit has something to group.
#ifndef STATICSHIP_SERVICES_SCHEDULER_TESTING_FAULTY_LOG_FILE_H_
#define STATICSHIP_SERVICES_SCHEDULER_TESTING_FAULTY_LOG_FILE_H_

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "services/scheduler/log_file.h"

namespace staticship::scheduler::testing {

struct Faults {
  std::atomic<bool> append_fails{false};  // ENOSPC after writing half
  std::atomic<bool> sync_fails{false};    // EIO
  std::atomic<int> sync_delay_ms{0};
  std::atomic<int> syncs{0};
};

class FaultyLogFile final : public LogFile {
 public:
  FaultyLogFile(std::unique_ptr<LogFile> inner, std::shared_ptr<Faults> faults)
      : inner_(std::move(inner)), faults_(std::move(faults)) {}

  Status Append(std::string_view data) override {
    if (faults_->append_fails) {
      // A real ENOSPC often lands after part of the data made it.
      (void)inner_->Append(data.substr(0, data.size() / 2));
      return MakeError("cannot append to " + path() +
                       ": No space left on device");
    }
    return inner_->Append(data);
  }
  Status Sync() override {
    ++faults_->syncs;
    if (int ms = faults_->sync_delay_ms; ms > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    }
    if (faults_->sync_fails) {
      return MakeError("cannot fdatasync " + path() + ": Input/output error");
    }
    return inner_->Sync();
  }
  Status Truncate(uint64_t size) override { return inner_->Truncate(size); }
  uint64_t size() const override { return inner_->size(); }
  const std::string& path() const override { return inner_->path(); }

 private:
  std::unique_ptr<LogFile> inner_;
  std::shared_ptr<Faults> faults_;
};

inline std::function<Result<std::unique_ptr<LogFile>>(const std::string&)>
FaultyOpener(std::shared_ptr<Faults> faults) {
  return [faults](const std::string& path) -> Result<std::unique_ptr<LogFile>> {
    auto file = PosixLogFile::Open(path);
    if (!file.ok()) return file.error();
    return std::unique_ptr<LogFile>(
        new FaultyLogFile(std::move(file).value(), faults));
  };
}

}  // namespace staticship::scheduler::testing

#endif  // STATICSHIP_SERVICES_SCHEDULER_TESTING_FAULTY_LOG_FILE_H_
