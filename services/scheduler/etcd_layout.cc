#include "services/scheduler/etcd_layout.h"

#include <charconv>
#include <nlohmann/json.hpp>

#include "services/scheduler/submit_request.h"

namespace staticship::scheduler {
namespace {

using nlohmann::json;

std::string Join(std::string_view prefix, std::string_view kind,
                 std::string_view id) {
  std::string key(prefix);
  key.append(kind);
  key += '/';
  key.append(id);
  return key;
}

}  // namespace

TaskKeys KeysOf(std::string_view prefix, std::string_view id) {
  return {Join(prefix, "tasks", id), Join(prefix, "claims", id),
          Join(prefix, "status", id)};
}

std::optional<ParsedKey> ParseTaskKey(std::string_view prefix,
                                      std::string_view key) {
  if (key.substr(0, prefix.size()) != prefix) return std::nullopt;
  std::string_view rest = key.substr(prefix.size());
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos || slash + 1 == rest.size()) {
    return std::nullopt;
  }
  std::string_view kind = rest.substr(0, slash);
  std::string id(rest.substr(slash + 1));
  if (kind == "tasks") return ParsedKey{TaskKey::kTask, std::move(id)};
  if (kind == "claims") return ParsedKey{TaskKey::kClaim, std::move(id)};
  if (kind == "status") return ParsedKey{TaskKey::kStatus, std::move(id)};
  return std::nullopt;
}

std::string InstanceKey(std::string_view prefix, int64_t lease) {
  return Join(prefix, "instances", std::to_string(lease));
}

std::optional<int64_t> ParseInstanceKey(std::string_view prefix,
                                        std::string_view key) {
  constexpr std::string_view kKind = "instances/";
  if (key.substr(0, prefix.size()) != prefix) return std::nullopt;
  std::string_view rest = key.substr(prefix.size());
  if (rest.substr(0, kKind.size()) != kKind) return std::nullopt;
  rest.remove_prefix(kKind.size());
  int64_t lease = 0;
  auto [end, ec] =
      std::from_chars(rest.data(), rest.data() + rest.size(), lease);
  if (ec != std::errc() || end != rest.data() + rest.size() || lease <= 0) {
    return std::nullopt;
  }
  return lease;
}

std::string SpecJson(const Task& task) {
  json payload = json::parse(task.payload_json, nullptr, false);
  json spec = {
      {"id", task.id},
      {"priority", task.priority},
      {"timeout_ms", task.timeout_ms},
      {"zone_id", task.zone_id},
      {"payload", payload.is_discarded() ? json(nullptr) : payload},
      {"max_retries", task.max_retries},
      {"backoff_ms", task.backoff_ms},
  };
  return spec.dump(-1, ' ', false, json::error_handler_t::replace);
}

ParsedSpec ParseSpec(std::string_view value, const ZoneKnown& zone_known) {
  SubmitParse parse =
      zone_known
          ? ParseSubmitRequest(value, zone_known)
          : ParseSubmitRequest(value, [](std::string_view) { return true; });
  ParsedSpec parsed;
  if (parse.task) {
    parsed.spec = std::move(parse.task);
  } else {
    parsed.error = parse.error.field + ": " + parse.error.message;
  }
  return parsed;
}

Task ShownTask(const std::string& id, const std::optional<Task>& record,
               const std::optional<Task>& spec, const std::string& spec_error) {
  Task task;
  if (record) {
    task = *record;
  } else if (spec) {
    task = *spec;
    task.state = TaskState::kQueued;
  } else {
    task.state = TaskState::kFailed;
    task.last_error = "invalid task in etcd: " + spec_error;
  }
  task.id = id;
  return task;
}

}  // namespace staticship::scheduler
