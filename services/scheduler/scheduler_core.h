// The scheduler's state machine: owns every task in memory, the ready queue,
// the backoff timers and the in-flight accounting, and writes each change to
// the TaskStore. Thread-safe; the API threads and the workers share it.
#ifndef STATICSHIP_SERVICES_SCHEDULER_SCHEDULER_CORE_H_
#define STATICSHIP_SERVICES_SCHEDULER_SCHEDULER_CORE_H_

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/base/backoff.h"
#include "common/base/result.h"
#include "common/trace/trace_recorder.h"
#include "services/scheduler/clock.h"
#include "services/scheduler/core_stats.h"
#include "services/scheduler/dispatch_outcome.h"
#include "services/scheduler/ready_queue.h"
#include "services/scheduler/scheduler_metrics.h"
#include "services/scheduler/task.h"
#include "services/scheduler/task_store.h"

namespace staticship::scheduler {

struct CoreOptions {
  int workers = 200;
  // In-flight cap of a zone; the default lets one zone hold every worker.
  std::function<int(std::string_view zone)> zone_cap;
  // Uniform 64-bit values for generated ids.
  std::function<uint64_t()> id_rng;
  // Optional; receives latencies as they are measured.
  SchedulerMetrics* metrics = nullptr;
  // Optional: "submit", "queue" and "outcome" spans per task while
  // /debug/trace runs.
  trace::TraceRecorder* trace = nullptr;
};

class SchedulerCore {
 public:
  enum class SubmitStatus { kCreated, kExisting, kUnavailable, kClosed };
  struct SubmitReply {
    SubmitStatus status;
    Task task;
    std::string error;
  };
  using SubmitDone = std::function<void(SubmitReply)>;

  enum class CancelStatus { kCanceled, kNotFound, kConflict, kUnavailable };
  struct CancelReply {
    CancelStatus status;
    Task task;
    std::string error;
  };
  using CancelDone = std::function<void(CancelReply)>;

  SchedulerCore(TaskStore* store, const Clock* clock, Backoff backoff,
                CoreOptions options);

  // Loads the store. Tasks that were running are queued again (the crash
  // cut their dispatch short; at-least-once).
  Status Recover();

  // `spec` comes from ParseSubmitRequest. `done` runs once the task is
  // durable (kCreated), when the id exists here or in a shared store
  // (kExisting), or with the store's error (kUnavailable: nothing was
  // acknowledged).
  void Submit(Task spec, SubmitDone done);
  // Shared store (etcd): takes over a task this instance has just claimed.
  // A task that was running elsewhere is queued again (at-least-once); a
  // final one is only kept for reads. False when the id is already known.
  bool Adopt(Task task);
  std::optional<Task> Get(const std::string& id) const;
  // Oldest first.
  std::vector<Task> List(std::optional<TaskState> state, size_t limit) const;
  // Cancels a queued task. The task is taken off the queue while the
  // cancel record is written and changes only once it is durable: when the
  // write fails (kUnavailable) the task is queued again as it was, as a
  // failed create leaves nothing behind. Cancels of the same id meanwhile
  // get the same answer.
  void Cancel(const std::string& id, CancelDone done);

  // Blocks until a task may be dispatched (and marks it running) or the core
  // is draining. Called by the workers.
  std::optional<Task> NextDispatch();
  // Records the outcome of attempt `attempt` (the task's `attempts` as
  // NextDispatch returned it) of a task. An outcome for another attempt, a
  // late answer after the task was retried, is stale: it changes nothing
  // and is counted with the invalid transitions.
  void Complete(const std::string& id, int attempt,
                const DispatchOutcome& outcome);

  // Moves backoff timers that are due into the ready queue. NextDispatch
  // does this itself; tests with a fake clock call it after Advance.
  void PromoteDue();

  // SIGTERM: refuse new tasks.
  void StopIntake();
  // Make NextDispatch return nothing so the workers finish.
  void StopDispatch();
  // Waits until no dispatch is in flight or the deadline passes.
  bool WaitIdle(std::chrono::steady_clock::time_point deadline);

  // Every accepted task, for a snapshot.
  std::vector<Task> Capture() const;
  // Drops final tasks that finished before `cutoff_ms` (retention): later
  // GETs answer 404 and their id may be posted again. The next compaction
  // leaves them out of the snapshot. Returns how many were dropped.
  size_t ForgetFinishedBefore(int64_t cutoff_ms);
  CoreStats Stats() const;

 private:
  using SteadyTime = std::chrono::steady_clock::time_point;

  // Applies `to` when IsValidTransition allows it. Any other edge means the
  // caller's view of the task is wrong (a duplicate or stale completion,
  // say): the task is left as it was and the refusal is counted in
  // invalid_transitions_total, because carrying on from a corrupted state
  // would lose or repeat work silently.
  [[nodiscard]] bool SetState(Task& task, TaskState to);
  void MakeReady(const Task& task);
  void PromoteDueLocked(int64_t now_ms);
  bool ZoneHasRoom(std::string_view zone) const;
  std::string NewIdLocked();
  void PersistAsync(const Task& task);
  // Ends a create: records the task when it was created and answers the
  // submitter and everyone who posted the same id meanwhile.
  void FinishCreate(const std::string& id, SubmitReply reply,
                    const SubmitDone& done);
  // Ends a cancel once the store has answered for the `canceled` record.
  void FinishCancel(const Task& canceled, const Status& stored,
                    const CancelDone& done);

  TaskStore* const store_;
  const Clock* const clock_;
  const Backoff backoff_policy_;
  const CoreOptions options_;

  mutable std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable idle_cv_;
  std::unordered_map<std::string, Task> tasks_;
  // Ids whose create is being written, with later submitters of the same id.
  std::unordered_map<std::string, std::vector<SubmitDone>> pending_creates_;
  // Ids whose cancel record is being written (off the queue meanwhile), with
  // later cancels of the same id.
  std::unordered_map<std::string, std::vector<CancelDone>> pending_cancels_;
  ReadyQueue ready_;
  std::multimap<int64_t, std::string> retry_timers_;  // not_before_ms -> id
  std::unordered_map<std::string, SteadyTime> ready_since_;
  std::unordered_map<std::string, int> zone_in_flight_;
  int in_flight_ = 0;
  uint64_t next_sequence_ = 1;
  bool intake_open_ = true;
  bool dispatching_ = true;
  CoreStats stats_;
};

}  // namespace staticship::scheduler

#endif  // STATICSHIP_SERVICES_SCHEDULER_SCHEDULER_CORE_H_
