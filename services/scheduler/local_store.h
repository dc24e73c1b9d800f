// The single-machine store: a write-ahead log with group commit plus zlib
// snapshots in one directory.
//
// Files: `wal-<gen>.log` and `snapshot-<gen>`. `snapshot-<S>` holds the state
// of every log below S; recovery loads the newest snapshot and replays, in
// order, every log with gen >= S. Compaction switches writes to a new log
// first and only then captures the state, so each record is either in the
// snapshot or in a log that is kept.
#ifndef STATICSHIP_SERVICES_SCHEDULER_LOCAL_STORE_H_
#define STATICSHIP_SERVICES_SCHEDULER_LOCAL_STORE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "services/scheduler/log_file.h"
#include "services/scheduler/task_store.h"
#include "services/scheduler/wal_writer.h"

namespace staticship::scheduler {

struct LocalStoreOptions {
  std::string dir;
  bool sync = true;
  // Compact once the logs hold this many bytes.
  uint64_t compact_after_bytes = 64ull << 20;
  std::function<void(const std::string&)> warn;
  // Opens a log file; tests replace it to inject write errors.
  std::function<Result<std::unique_ptr<LogFile>>(const std::string&)> open_log =
      PosixLogFile::Open;
};

class LocalStore final : public TaskStore {
 public:
  explicit LocalStore(LocalStoreOptions options);
  ~LocalStore() override;

  Result<std::vector<Task>> Recover() override;
  void Persist(const Task& task, Done done) override;
  Status Health() const override;
  Status Maintain(const Capture& capture, bool force) override;
  void Close() override;

  uint64_t generation() const { return generation_; }
  WalWriter::Stats wal_stats() const;

  static std::string LogName(uint64_t gen);
  static std::string SnapshotName(uint64_t gen);

 private:
  Status OpenWriter(uint64_t gen);
  void Warn(const std::string& message) const;

  LocalStoreOptions options_;
  std::mutex maintain_mu_;  // one compaction at a time
  std::unique_ptr<WalWriter> writer_;
  Status open_error_;  // why there is no writer (degraded: reads only)
  uint64_t generation_ = 0;
  std::atomic<uint64_t> older_log_bytes_{0};
};

}  // namespace staticship::scheduler

#endif  // STATICSHIP_SERVICES_SCHEDULER_LOCAL_STORE_H_
