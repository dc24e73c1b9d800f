#include "services/scheduler/task.h"

#include <array>
#include <nlohmann/json.hpp>

namespace staticship::scheduler {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, kNumTaskStates> kStateNames = {
    "queued", "running", "succeeded", "failed", "timed_out", "dead", "canceled",
};

}  // namespace

std::string_view TaskStateName(TaskState state) {
  return kStateNames[static_cast<size_t>(state)];
}

std::optional<TaskState> ParseTaskState(std::string_view name) {
  for (size_t i = 0; i < kStateNames.size(); ++i) {
    if (kStateNames[i] == name) return static_cast<TaskState>(i);
  }
  return std::nullopt;
}

bool IsFinal(TaskState state) {
  return state != TaskState::kQueued && state != TaskState::kRunning;
}

bool IsValidTransition(TaskState from, TaskState to) {
  switch (from) {
    case TaskState::kQueued:
      return to == TaskState::kRunning || to == TaskState::kCanceled;
    case TaskState::kRunning:
      return to == TaskState::kQueued || to == TaskState::kSucceeded ||
             to == TaskState::kFailed || to == TaskState::kTimedOut ||
             to == TaskState::kDead;
    default:
      return false;
  }
}

std::string TaskToRecord(const Task& task) {
  json j = {
      {"id", task.id},
      {"priority", task.priority},
      {"timeout_ms", task.timeout_ms},
      {"zone_id", task.zone_id},
      {"payload", task.payload_json},
      {"max_retries", task.max_retries},
      {"backoff_ms", task.backoff_ms},
      {"state", TaskStateName(task.state)},
      {"attempts", task.attempts},
      {"created_at_ms", task.created_at_ms},
      {"updated_at_ms", task.updated_at_ms},
      {"started_at_ms", task.started_at_ms},
      {"finished_at_ms", task.finished_at_ms},
      {"not_before_ms", task.not_before_ms},
      {"last_error", task.last_error},
      {"response_body", task.response_body},
      {"version", task.version},
      {"sequence", task.sequence},
  };
  // Bodies from game servers are arbitrary bytes; replace bad UTF-8 rather
  // than throw from inside the commit path.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<Task> TaskFromRecord(std::string_view record) {
  json j = json::parse(record, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return MakeError("task record is not a JSON object");
  }
  try {
    Task task;
    task.id = j.at("id").get<std::string>();
    task.priority = j.at("priority").get<int>();
    task.timeout_ms = j.at("timeout_ms").get<int64_t>();
    task.zone_id = j.at("zone_id").get<std::string>();
    task.payload_json = j.at("payload").get<std::string>();
    task.max_retries = j.at("max_retries").get<int>();
    task.backoff_ms = j.at("backoff_ms").get<int64_t>();
    auto state = ParseTaskState(j.at("state").get<std::string>());
    if (!state) return MakeError("task record has an unknown state");
    task.state = *state;
    task.attempts = j.at("attempts").get<int>();
    task.created_at_ms = j.at("created_at_ms").get<int64_t>();
    task.updated_at_ms = j.at("updated_at_ms").get<int64_t>();
    task.started_at_ms = j.at("started_at_ms").get<int64_t>();
    task.finished_at_ms = j.at("finished_at_ms").get<int64_t>();
    task.not_before_ms = j.at("not_before_ms").get<int64_t>();
    task.last_error = j.at("last_error").get<std::string>();
    task.response_body = j.at("response_body").get<std::string>();
    task.version = j.at("version").get<uint64_t>();
    task.sequence = j.at("sequence").get<uint64_t>();
    if (task.id.empty()) return MakeError("task record has an empty id");
    if (task.priority < kMinPriority || task.priority > kMaxPriority) {
      return MakeError("task record has a priority out of range");
    }
    return task;
  } catch (const json::exception& e) {
    return MakeError(std::string("task record field: ") + e.what());
  }
}

std::string TaskToApiJson(const Task& task) {
  json payload = json::parse(task.payload_json, nullptr, false);
  json j = {
      {"id", task.id},
      {"state", TaskStateName(task.state)},
      {"priority", task.priority},
      {"zone_id", task.zone_id},
      {"timeout_ms", task.timeout_ms},
      {"max_retries", task.max_retries},
      {"backoff_ms", task.backoff_ms},
      {"attempts", task.attempts},
      {"payload", payload.is_discarded() ? json(nullptr) : payload},
      {"created_at_ms", task.created_at_ms},
      {"updated_at_ms", task.updated_at_ms},
  };
  if (task.started_at_ms != 0) j["started_at_ms"] = task.started_at_ms;
  if (task.finished_at_ms != 0) j["finished_at_ms"] = task.finished_at_ms;
  if (task.state == TaskState::kQueued && task.not_before_ms != 0) {
    j["next_attempt_at_ms"] = task.not_before_ms;
  }
  if (!task.last_error.empty()) j["last_error"] = task.last_error;
  if (task.state == TaskState::kSucceeded) j["response"] = task.response_body;
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace staticship::scheduler
