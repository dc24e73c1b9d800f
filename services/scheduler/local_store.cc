#include "services/scheduler/local_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <map>
#include <optional>
#include <unordered_map>

#include "common/base/file.h"
#include "common/base/unique_fd.h"
#include "services/scheduler/log_record.h"
#include "services/scheduler/snapshot.h"

namespace staticship::scheduler {
namespace {

// "<prefix><digits><suffix>" -> digits.
std::optional<uint64_t> ParseGen(const std::string& name,
                                 std::string_view prefix,
                                 std::string_view suffix) {
  if (name.size() <= prefix.size() + suffix.size()) return std::nullopt;
  if (name.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  if (name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) {
    return std::nullopt;
  }
  const char* first = name.data() + prefix.size();
  const char* last = name.data() + name.size() - suffix.size();
  uint64_t gen = 0;
  auto [ptr, ec] = std::from_chars(first, last, gen);
  if (ec != std::errc() || ptr != last) return std::nullopt;
  return gen;
}

std::string GenDigits(uint64_t gen) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%020llu",
                static_cast<unsigned long long>(gen));
  return buf;
}

void Merge(Task task, std::unordered_map<std::string, Task>* tasks) {
  auto it = tasks->find(task.id);
  if (it == tasks->end()) {
    std::string id = task.id;
    tasks->emplace(std::move(id), std::move(task));
  } else if (task.version >= it->second.version) {
    it->second = std::move(task);
  }
}

}  // namespace

LocalStore::LocalStore(LocalStoreOptions options)
    : options_(std::move(options)) {}

LocalStore::~LocalStore() { Close(); }

std::string LocalStore::LogName(uint64_t gen) {
  return "wal-" + GenDigits(gen) + ".log";
}

std::string LocalStore::SnapshotName(uint64_t gen) {
  return "snapshot-" + GenDigits(gen);
}

void LocalStore::Warn(const std::string& message) const {
  if (options_.warn) options_.warn(message);
}

Result<std::vector<Task>> LocalStore::Recover() {
  const std::string& dir = options_.dir;
  if (Status s = MakeDirs(dir); !s.ok()) return s.error();
  auto names = ListDirectory(dir);
  if (!names.ok()) return names.error();

  std::map<uint64_t, std::string> logs;
  std::map<uint64_t, std::string> snapshots;
  for (const std::string& name : *names) {
    if (auto g = ParseGen(name, "wal-", ".log")) logs[*g] = name;
    if (auto g = ParseGen(name, "snapshot-", "")) snapshots[*g] = name;
  }

  std::unordered_map<std::string, Task> tasks;
  uint64_t snapshot_gen = 0;
  if (!snapshots.empty()) {
    snapshot_gen = snapshots.rbegin()->first;
    std::string path = dir + "/" + snapshots.rbegin()->second;
    auto bytes = ReadWholeFile(path);
    if (!bytes.ok()) return bytes.error();
    auto records = DecodeSnapshot(*bytes);
    if (!records.ok()) {
      return MakeError("corrupted snapshot " + path + ": " + records.message() +
                       "; refusing to start because the logs it replaced are "
                       "gone (restore it or move the data dir away)");
    }
    for (const std::string& record : *records) {
      auto task = TaskFromRecord(record);
      if (!task.ok()) {
        return WithContext(task.error(), "corrupted snapshot " + path);
      }
      Merge(std::move(task).value(), &tasks);
    }
  }

  uint64_t next_gen = std::max<uint64_t>(snapshot_gen, 1);
  uint64_t replayed_bytes = 0;
  for (const auto& [gen, name] : logs) {
    next_gen = std::max(next_gen, gen + 1);
    if (gen < snapshot_gen) continue;
    std::string path = dir + "/" + name;
    auto bytes = ReadWholeFile(path);
    if (!bytes.ok()) return bytes.error();
    ScanResult scan = ScanRecords(*bytes);
    for (std::string_view record : scan.records) {
      auto task = TaskFromRecord(record);
      if (!task.ok()) {
        return MakeError("log " + path +
                         ": record with a good CRC is not a "
                         "task: " +
                         task.message());
      }
      Merge(std::move(task).value(), &tasks);
    }
    replayed_bytes += scan.valid_bytes;
    if (scan.torn) {
      Warn("dropping torn tail of " + path + " at offset " +
           std::to_string(scan.valid_bytes) + " (" + scan.reason + ", " +
           std::to_string(bytes->size() - scan.valid_bytes) + " bytes)");
      UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
      if (!fd.valid() ||
          ::ftruncate(fd.get(), static_cast<off_t>(scan.valid_bytes)) != 0) {
        Warn("cannot truncate " + path +
             "; its tail is ignored again on the "
             "next start");
      }
    }
  }

  // Leftovers of an interrupted compaction.
  for (const std::string& name : *names) {
    auto log = ParseGen(name, "wal-", ".log");
    auto snap = ParseGen(name, "snapshot-", "");
    bool stale = (log && *log < snapshot_gen) ||
                 (snap && *snap < snapshot_gen) || IsAtomicWriteTemporary(name);
    if (stale) ::unlink((dir + "/" + name).c_str());
  }

  older_log_bytes_ = replayed_bytes;
  if (Status s = OpenWriter(next_gen); !s.ok()) {
    // Reads keep working; every write answers with this error.
    open_error_ = s;
    Warn("data dir not writable, accepting no tasks: " + s.message());
  }

  std::vector<Task> out;
  out.reserve(tasks.size());
  for (auto& [id, task] : tasks) out.push_back(std::move(task));
  return out;
}

Status LocalStore::OpenWriter(uint64_t gen) {
  auto file = options_.open_log(options_.dir + "/" + LogName(gen));
  if (!file.ok()) return file.error();
  if (Status s = SyncDirectory(options_.dir); !s.ok()) return s;
  writer_ = std::make_unique<WalWriter>(
      std::move(file).value(), options_.sync, [this](const Status& health) {
        Warn(health.ok() ? "the write-ahead log is writable again"
                         : "the write-ahead log cannot be written, new tasks "
                           "get 503: " +
                               health.message());
      });
  generation_ = gen;
  return Status::Ok();
}

void LocalStore::Persist(const Task& task, Done done) {
  if (!writer_) {
    if (done)
      done(open_error_.ok() ? Status(MakeError("store not open"))
                            : open_error_);
    return;
  }
  writer_->Submit(TaskToRecord(task), std::move(done));
}

Status LocalStore::Health() const {
  if (!writer_) {
    return open_error_.ok() ? Status(MakeError("store not open")) : open_error_;
  }
  return writer_->health();
}

WalWriter::Stats LocalStore::wal_stats() const {
  return writer_ ? writer_->stats() : WalWriter::Stats{};
}

Status LocalStore::Maintain(const Capture& capture, bool force) {
  std::lock_guard<std::mutex> lock(maintain_mu_);
  // Read-only: nothing is written, so nothing grows (Recover said why).
  if (!writer_) return Status::Ok();
  uint64_t bytes = older_log_bytes_ + writer_->current_file_bytes();
  if (!force && bytes < options_.compact_after_bytes) return Status::Ok();

  uint64_t new_gen = generation_ + 1;
  auto file = options_.open_log(options_.dir + "/" + LogName(new_gen));
  if (!file.ok()) return file.error();
  if (Status s = SyncDirectory(options_.dir); !s.ok()) return s;
  if (Status s = writer_->Rotate(std::move(file).value()); !s.ok()) return s;
  generation_ = new_gen;
  older_log_bytes_ = bytes;  // until the snapshot below replaces them

  std::vector<std::string> records;
  for (const Task& task : capture()) records.push_back(TaskToRecord(task));
  auto encoded = EncodeSnapshot(records);
  if (!encoded.ok()) return encoded.error();
  if (Status s = WriteFileAtomically(options_.dir + "/" + SnapshotName(new_gen),
                                     *encoded, {.durable = true});
      !s.ok()) {
    return s;  // the old snapshot and every log are still there
  }

  auto names = ListDirectory(options_.dir);
  if (!names.ok()) return names.error();
  for (const std::string& name : *names) {
    auto log = ParseGen(name, "wal-", ".log");
    auto snap = ParseGen(name, "snapshot-", "");
    if ((log && *log < new_gen) || (snap && *snap < new_gen)) {
      ::unlink((options_.dir + "/" + name).c_str());
    }
  }
  older_log_bytes_ = 0;
  return SyncDirectory(options_.dir);
}

void LocalStore::Close() {
  if (writer_) writer_->Stop();
}

}  // namespace staticship::scheduler
