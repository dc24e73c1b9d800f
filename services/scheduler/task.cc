#include "services/scheduler/task.h"

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>

namespace staticship::scheduler {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, kNumTaskStates> kStateNames = {
    "queued", "running", "succeeded", "failed", "timed_out", "dead", "canceled",
};

// Never '{', so JSON records of earlier versions stay readable.
constexpr uint8_t kRecordTagV1 = 0xB1;

void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}

int64_t UnZigZag(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

struct Reader {
  std::string_view rest;

  bool Byte(uint8_t* out) {
    if (rest.empty()) return false;
    *out = static_cast<uint8_t>(rest.front());
    rest.remove_prefix(1);
    return true;
  }
  bool Varint(uint64_t* out) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t b;
      if (!Byte(&b)) return false;
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        *out = v;
        return true;
      }
    }
    return false;  // more than 10 bytes: corrupt
  }
  bool String(std::string* out) {
    uint64_t n;
    if (!Varint(&n) || n > rest.size()) return false;
    out->assign(rest.data(), static_cast<size_t>(n));
    rest.remove_prefix(static_cast<size_t>(n));
    return true;
  }
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

namespace {

// Records written before the binary format: data dirs of earlier versions
// replay unchanged.
Result<Task> TaskFromJsonRecord(std::string_view record) {
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

}  // namespace

// Binary record, tag kRecordTagV1 then, in this order: id, zone_id,
// payload_json, last_error, response_body as varint length + bytes; priority,
// timeout_ms, max_retries, backoff_ms, attempts, the five timestamps as
// zigzag varints; state as one byte; version, sequence as varints. Three
// records are written per task (queued, running, final), so the encoder is
// on the hot path: this is several times cheaper than building and dumping an
// nlohmann object, and keeps response bodies byte-exact. The log frame's CRC
// covers it.
std::string TaskToRecord(const Task& task) {
  std::string out;
  out.reserve(64 + task.id.size() + task.zone_id.size() +
              task.payload_json.size() + task.last_error.size() +
              task.response_body.size());
  out.push_back(static_cast<char>(kRecordTagV1));
  for (const std::string* s : {&task.id, &task.zone_id, &task.payload_json,
                               &task.last_error, &task.response_body}) {
    PutVarint(s->size(), &out);
    out.append(*s);
  }
  for (int64_t v :
       {int64_t{task.priority}, task.timeout_ms, int64_t{task.max_retries},
        task.backoff_ms, int64_t{task.attempts}, task.created_at_ms,
        task.updated_at_ms, task.started_at_ms, task.finished_at_ms,
        task.not_before_ms}) {
    PutVarint(ZigZag(v), &out);
  }
  out.push_back(static_cast<char>(task.state));
  PutVarint(task.version, &out);
  PutVarint(task.sequence, &out);
  return out;
}

Result<Task> TaskFromRecord(std::string_view record) {
  if (!record.empty() && record.front() == '{') {
    return TaskFromJsonRecord(record);
  }
  if (record.empty() || static_cast<uint8_t>(record.front()) != kRecordTagV1) {
    return MakeError("task record has an unknown format");
  }
  Reader in{record.substr(1)};
  Task task;
  for (std::string* s : {&task.id, &task.zone_id, &task.payload_json,
                         &task.last_error, &task.response_body}) {
    if (!in.String(s)) return MakeError("task record is truncated");
  }
  int64_t ints[10];
  for (int64_t& v : ints) {
    uint64_t raw;
    if (!in.Varint(&raw)) return MakeError("task record is truncated");
    v = UnZigZag(raw);
  }
  for (int i : {0, 2, 4}) {
    if (ints[i] < INT32_MIN || ints[i] > INT32_MAX) {
      return MakeError("task record has an integer out of range");
    }
  }
  task.priority = static_cast<int>(ints[0]);
  task.timeout_ms = ints[1];
  task.max_retries = static_cast<int>(ints[2]);
  task.backoff_ms = ints[3];
  task.attempts = static_cast<int>(ints[4]);
  task.created_at_ms = ints[5];
  task.updated_at_ms = ints[6];
  task.started_at_ms = ints[7];
  task.finished_at_ms = ints[8];
  task.not_before_ms = ints[9];
  uint8_t state;
  if (!in.Byte(&state)) return MakeError("task record is truncated");
  if (state >= kNumTaskStates) {
    return MakeError("task record has an unknown state");
  }
  task.state = static_cast<TaskState>(state);
  if (!in.Varint(&task.version) || !in.Varint(&task.sequence)) {
    return MakeError("task record is truncated");
  }
  if (!in.rest.empty()) return MakeError("task record has trailing bytes");
  if (task.id.empty()) return MakeError("task record has an empty id");
  if (task.priority < kMinPriority || task.priority > kMaxPriority) {
    return MakeError("task record has a priority out of range");
  }
  return task;
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
