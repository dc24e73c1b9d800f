// The task model shared by the API, the dispatcher and the stores.
#ifndef STATICSHIP_SERVICES_SCHEDULER_TASK_H_
#define STATICSHIP_SERVICES_SCHEDULER_TASK_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/base/result.h"
#include "services/scheduler/retry_policy.h"

namespace staticship::scheduler {

enum class TaskState {
  kQueued,
  kRunning,
  kSucceeded,
  kFailed,
  kTimedOut,
  kDead,
  kCanceled,
};

inline constexpr int kNumTaskStates = 7;

std::string_view TaskStateName(TaskState state);
std::optional<TaskState> ParseTaskState(std::string_view name);

// Final states never change again; everything else will be dispatched.
bool IsFinal(TaskState state);

// The only edges the state machine allows. Recovery turns `running` back
// into `queued` because a dispatch cut by a crash must run again.
bool IsValidTransition(TaskState from, TaskState to);

inline constexpr int kMinPriority = 0;
inline constexpr int kMaxPriority = 9;
inline constexpr int kNumPriorities = kMaxPriority - kMinPriority + 1;

struct Task {
  std::string id;
  int priority = 5;
  int64_t timeout_ms = 30000;
  std::string zone_id;
  // Kept serialized: the dispatcher sends these bytes as they are.
  std::string payload_json = "null";
  int max_retries = kDefaultMaxRetries;
  int64_t backoff_ms = kDefaultBackoffMs;

  TaskState state = TaskState::kQueued;
  int attempts = 0;
  // Wall-clock milliseconds since the epoch; 0 means "not yet".
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
  int64_t started_at_ms = 0;
  int64_t finished_at_ms = 0;
  // When a retry may run; 0 means at once.
  int64_t not_before_ms = 0;
  std::string last_error;
  std::string response_body;

  // Bumped on every persisted change so that replaying an older record over
  // a newer snapshot never moves a task backwards.
  uint64_t version = 0;
  // Submission order, kept across restarts for FIFO within a priority.
  uint64_t sequence = 0;
};

// The durable representation (one log record, snapshot entry or etcd value):
// a compact binary encoding (see task.cc). TaskFromRecord also reads the JSON
// records of earlier versions.
std::string TaskToRecord(const Task& task);
Result<Task> TaskFromRecord(std::string_view record);

// The API representation: payload inlined as JSON, state as a name.
std::string TaskToApiJson(const Task& task);

}  // namespace staticship::scheduler

#endif  // STATICSHIP_SERVICES_SCHEDULER_TASK_H_
