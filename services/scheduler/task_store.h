// Where tasks live durably. The local store (write-ahead log + snapshots in
// --data-dir) is the default; a shared store such as etcd implements the same
// interface so the core and the API do not change.
#ifndef STATICSHIP_SERVICES_SCHEDULER_TASK_STORE_H_
#define STATICSHIP_SERVICES_SCHEDULER_TASK_STORE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/base/result.h"
#include "services/scheduler/task.h"

namespace staticship::scheduler {

class TaskStore {
 public:
  // Runs once the write is durable or has failed, possibly on a store thread.
  using Done = std::function<void(const Status&)>;
  // Returns the current state of every task (for compaction).
  using Capture = std::function<std::vector<Task>()>;
  // nullopt: the store has no task with that id.
  using LoadDone = std::function<void(Result<std::optional<Task>>)>;
  // A monotonic count the store exports in /metrics.
  struct Counter {
    std::string name;
    std::string help;
    std::vector<std::pair<std::string, std::string>> labels;
    uint64_t value = 0;
  };

  virtual ~TaskStore() = default;

  // The latest version of every task, once, before any Persist.
  virtual Result<std::vector<Task>> Recover() = 0;
  // Stores the task's full current state. A record with a lower `version`
  // than one already stored must never win. A create (version 1) whose id
  // the store holds already, written by another instance or a producer,
  // fails with ErrorCode::kAlreadyExists, and no other failure may carry
  // that code: the core then answers with the stored task, as for any
  // existing id.
  virtual void Persist(const Task& task, Done done) = 0;
  // Ok when writes are expected to succeed; the last write error otherwise.
  virtual Status Health() const = 0;
  // Housekeeping between writes (compaction for the local store). `force`
  // asks for it even when the store would not need it yet (shutdown).
  virtual Status Maintain(const Capture& capture, bool force) = 0;
  // Waits for every submitted write; later Persist calls fail.
  virtual void Close() = 0;

  // Reads a task the core does not hold. A shared store has tasks that
  // other instances created or dispatch; a local store has none beyond what
  // Recover returned, so it answers "no such task". `done` may run on a
  // store thread.
  virtual void Load(const std::string& id, LoadDone done) {
    (void)id;
    done(std::optional<Task>());
  }
  virtual std::vector<Counter> Counters() const { return {}; }
  // Every task of a shared store as this instance last saw it, oldest
  // first, so that any instance can list them all. nullopt: the store
  // holds nothing beyond the core's own tasks (local mode).
  virtual std::optional<std::vector<Task>> ListShared() const {
    return std::nullopt;
  }
};

}  // namespace staticship::scheduler

#endif  // STATICSHIP_SERVICES_SCHEDULER_TASK_STORE_H_
