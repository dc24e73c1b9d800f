// Where tasks live durably. The local store (write-ahead log + snapshots in
// --data-dir) is the default; a shared store such as etcd implements the same
// interface so the core and the API do not change.
#ifndef STATICSHIP_SERVICES_SCHEDULER_TASK_STORE_H_
#define STATICSHIP_SERVICES_SCHEDULER_TASK_STORE_H_

#include <functional>
#include <vector>

#include "services/common/result.h"
#include "services/scheduler/task.h"

namespace staticship::scheduler {

class TaskStore {
 public:
  // Runs once the write is durable or has failed, possibly on a store thread.
  using Done = std::function<void(const Status&)>;
  // Returns the current state of every task (for compaction).
  using Capture = std::function<std::vector<Task>()>;

  virtual ~TaskStore() = default;

  // The latest version of every task, once, before any Persist.
  virtual Result<std::vector<Task>> Recover() = 0;
  // Stores the task's full current state. A record with a lower `version`
  // than one already stored must never win.
  virtual void Persist(const Task& task, Done done) = 0;
  // Ok when writes are expected to succeed; the last write error otherwise.
  virtual Status Health() const = 0;
  // Housekeeping between writes (compaction for the local store). `force`
  // asks for it even when the store would not need it yet (shutdown).
  virtual Status Maintain(const Capture& capture, bool force) = 0;
  // Waits for every submitted write; later Persist calls fail.
  virtual void Close() = 0;
};

}  // namespace staticship::scheduler

#endif  // STATICSHIP_SERVICES_SCHEDULER_TASK_STORE_H_
