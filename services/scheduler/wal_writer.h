// Group commit: one writer thread turns everything submitted while the
// previous fdatasync ran into a single write plus a single fdatasync, so
// concurrent submitters share the cost of durability.
#ifndef STATICSHIP_SERVICES_SCHEDULER_WAL_WRITER_H_
#define STATICSHIP_SERVICES_SCHEDULER_WAL_WRITER_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/base/result.h"
#include "services/scheduler/log_file.h"

namespace staticship::scheduler {

class WalWriter {
 public:
  // Runs on the writer thread once the record is durable or has failed.
  using Done = std::function<void(const Status&)>;
  // Runs on the writer thread when writes start failing (a full disk, say)
  // and when they succeed again: an operator needs one line for each, not
  // one per rejected task.
  using HealthChanged = std::function<void(const Status&)>;

  struct Stats {
    uint64_t records = 0;
    uint64_t batches = 0;
    uint64_t failed_batches = 0;
  };

  // `sync` false skips fdatasync (benchmarks, tests): records then survive a
  // process crash but not a machine crash.
  WalWriter(std::unique_ptr<LogFile> file, bool sync,
            HealthChanged health_changed = {});
  ~WalWriter();
  WalWriter(const WalWriter&) = delete;
  WalWriter& operator=(const WalWriter&) = delete;

  // `payload` is framed here; `done` may be empty.
  void Submit(std::string_view payload, Done done);
  // Blocks until the record is durable.
  Status Append(std::string_view payload);
  // Everything submitted before this call goes to the old file, everything
  // after to `next`. Returns once the switch happened.
  Status Rotate(std::unique_ptr<LogFile> next);
  // Drains what was submitted, then stops; later submissions fail.
  void Stop();

  uint64_t current_file_bytes() const { return file_bytes_.load(); }
  // Empty message when the last batch was written; the error otherwise.
  Status health() const;
  Stats stats() const;

 private:
  struct Item {
    std::string framed;
    Done done;
    std::unique_ptr<LogFile> rotate_to;
    std::function<void(Status)> rotated;
  };

  void Run();
  void Flush(std::string& buffer, std::vector<Done>& dones);

  std::unique_ptr<LogFile> file_;  // only the writer thread touches it
  const bool sync_;
  const HealthChanged health_changed_;
  bool broken_ = false;   // writer thread only
  Status broken_status_;  // writer thread only

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Item> queue_;
  bool stopping_ = false;
  Status health_;
  Stats stats_;

  std::atomic<uint64_t> file_bytes_{0};
  std::thread thread_;
};

}  // namespace staticship::scheduler

#endif  // STATICSHIP_SERVICES_SCHEDULER_WAL_WRITER_H_
