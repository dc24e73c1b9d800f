#include "services/scheduler/submit_request.h"

#include <nlohmann/json.hpp>

#include "services/scheduler/retry_policy.h"

namespace staticship::scheduler {
namespace {

using nlohmann::json;

SubmitParse Reject(std::string field, std::string message) {
  SubmitParse parse;
  parse.error = {std::move(field), std::move(message)};
  return parse;
}

// Reads an optional integer field within [lo, hi]; returns false with
// `parse` filled when the field is present but wrong.
bool ReadInt(const json& j, const char* field, int64_t lo, int64_t hi,
             int64_t* out, SubmitParse* parse) {
  auto it = j.find(field);
  if (it == j.end()) return true;
  if (!it->is_number_integer()) {
    *parse = Reject(field, "must be an integer");
    return false;
  }
  int64_t value = it->is_number_unsigned()
                      ? static_cast<int64_t>(std::min<uint64_t>(
                            it->get<uint64_t>(), uint64_t{INT64_MAX}))
                      : it->get<int64_t>();
  if (value < lo || value > hi) {
    *parse = Reject(field, "must be between " + std::to_string(lo) + " and " +
                               std::to_string(hi));
    return false;
  }
  *out = value;
  return true;
}

}  // namespace

bool IsValidTaskId(std::string_view id) {
  if (id.empty() || id.size() > kMaxTaskIdBytes) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
              c == ':';
    if (!ok) return false;
  }
  return true;
}

SubmitParse ParseSubmitRequest(
    std::string_view body,
    const std::function<bool(std::string_view)>& zone_known) {
  if (body.size() > kMaxSubmitBodyBytes) {
    return Reject("body", "larger than 1 MiB");
  }
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Reject("body", "invalid JSON");
  if (!j.is_object()) return Reject("body", "must be a JSON object");

  Task task;
  if (auto it = j.find("id"); it != j.end()) {
    if (!it->is_string() || !IsValidTaskId(it->get_ref<const std::string&>())) {
      return Reject("id", "must be 1-128 characters of [A-Za-z0-9._:-]");
    }
    task.id = it->get<std::string>();
  }

  auto zone = j.find("zone_id");
  if (zone == j.end()) return Reject("zone_id", "is required");
  if (!zone->is_string() || zone->get_ref<const std::string&>().empty()) {
    return Reject("zone_id", "must be a non-empty string");
  }
  task.zone_id = zone->get<std::string>();
  if (!zone_known(task.zone_id)) {
    return Reject("zone_id", "unknown zone '" + task.zone_id + "'");
  }

  SubmitParse parse;
  int64_t priority = 5, timeout_ms = 30000, max_retries = kDefaultMaxRetries,
          backoff_ms = kDefaultBackoffMs;
  if (!ReadInt(j, "priority", kMinPriority, kMaxPriority, &priority, &parse) ||
      !ReadInt(j, "timeout_ms", 1, 3'600'000, &timeout_ms, &parse) ||
      !ReadInt(j, "max_retries", 0, 100, &max_retries, &parse) ||
      !ReadInt(j, "backoff_ms", 1, 3'600'000, &backoff_ms, &parse)) {
    return parse;
  }
  task.priority = static_cast<int>(priority);
  task.timeout_ms = timeout_ms;
  task.max_retries = static_cast<int>(max_retries);
  task.backoff_ms = backoff_ms;

  auto payload = j.find("payload");
  task.payload_json =
      payload == j.end()
          ? "null"
          : payload->dump(-1, ' ', false, json::error_handler_t::replace);
  task.state = TaskState::kQueued;
  parse.task = std::move(task);
  return parse;
}

std::string SubmitErrorJson(const SubmitError& error) {
  json j = {{"error", error.field + " " + error.message},
            {"field", error.field}};
  return j.dump();
}

}  // namespace staticship::scheduler
