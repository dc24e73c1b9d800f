#include "services/scheduler/wal_writer.h"

#include <future>

#include "services/scheduler/log_record.h"

namespace staticship::scheduler {

WalWriter::WalWriter(std::unique_ptr<LogFile> file, bool sync,
                     HealthChanged health_changed)
    : file_(std::move(file)),
      sync_(sync),
      health_changed_(std::move(health_changed)) {
  file_bytes_ = file_->size();
  thread_ = std::thread([this] { Run(); });
}

WalWriter::~WalWriter() { Stop(); }

void WalWriter::Submit(std::string_view payload, Done done) {
  Item item;
  item.framed.reserve(payload.size() + kRecordHeaderBytes);
  AppendRecord(payload, &item.framed);
  item.done = std::move(done);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) {
      // The writer sleeps only on an empty queue and takes all of it when it
      // wakes, so only the first submission of a batch needs to wake it:
      // one futex call per batch instead of one per record.
      bool was_empty = queue_.empty();
      queue_.push_back(std::move(item));
      if (was_empty) cv_.notify_one();
      return;
    }
  }
  if (item.done) item.done(MakeError("write-ahead log is closed"));
}

Status WalWriter::Append(std::string_view payload) {
  std::promise<Status> promise;
  auto future = promise.get_future();
  Submit(payload, [&promise](const Status& s) { promise.set_value(s); });
  return future.get();
}

Status WalWriter::Rotate(std::unique_ptr<LogFile> next) {
  std::promise<Status> promise;
  auto future = promise.get_future();
  Item item;
  item.rotate_to = std::move(next);
  item.rotated = [&promise](Status s) { promise.set_value(std::move(s)); };
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return MakeError("write-ahead log is closed");
    queue_.push_back(std::move(item));
    cv_.notify_one();
  }
  return future.get();
}

void WalWriter::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    cv_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

Status WalWriter::health() const {
  std::lock_guard<std::mutex> lock(mu_);
  return health_;
}

WalWriter::Stats WalWriter::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void WalWriter::Run() {
  std::vector<Item> batch;
  std::string buffer;
  std::vector<Done> dones;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      batch.swap(queue_);
    }
    for (Item& item : batch) {
      if (!item.rotate_to) {
        buffer += item.framed;
        dones.push_back(std::move(item.done));
        continue;
      }
      Flush(buffer, dones);
      // The old file's records are durable once their batch was synced.
      file_ = std::move(item.rotate_to);
      file_bytes_ = file_->size();
      item.rotated(broken_ ? broken_status_ : Status::Ok());
    }
    Flush(buffer, dones);
    batch.clear();
  }
}

void WalWriter::Flush(std::string& buffer, std::vector<Done>& dones) {
  if (dones.empty()) return;
  Status status;
  bool failed_batch = false;
  if (broken_) {
    status = broken_status_;
    failed_batch = true;
  } else {
    uint64_t before = file_->size();
    status = file_->Append(buffer);
    if (!status.ok()) {
      failed_batch = true;
      // ENOSPC and friends: drop the partial write so the log stays a clean
      // sequence of records and a later batch can succeed once space frees.
      if (Status t = file_->Truncate(before); !t.ok()) {
        broken_ = true;
        broken_status_ = MakeError(status.message() + "; " + t.message());
      }
    } else if (sync_) {
      status = file_->Sync();
      if (!status.ok()) {
        // After a failed fsync the kernel may have dropped the dirty pages
        // ("fsyncgate"): nothing written to this file can be trusted any
        // more, so refuse every later write instead of pretending.
        failed_batch = true;
        broken_ = true;
        broken_status_ = status;
      }
    }
    file_bytes_ = file_->size();
  }
  bool health_changed;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stats_.records += dones.size();
    stats_.batches += 1;
    if (failed_batch) stats_.failed_batches += 1;
    health_changed = health_.ok() != status.ok();
    health_ = status;
  }
  if (health_changed && health_changed_) health_changed_(status);
  for (Done& done : dones) {
    if (done) done(status);
  }
  buffer.clear();
  dones.clear();
}

}  // namespace staticship::scheduler
