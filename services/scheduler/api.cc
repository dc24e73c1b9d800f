#include "services/scheduler/api.h"

#include <charconv>
#include <nlohmann/json.hpp>
#include <unordered_set>
#include <vector>

#include "services/scheduler/submit_request.h"

namespace staticship::scheduler {
namespace {

using nlohmann::json;

constexpr std::string_view kTasksPrefix = "/v1/tasks/";

http::Response Json(int status, std::string body) {
  http::Response response(status, std::move(body));
  response.headers.Set("Content-Type", "application/json");
  return response;
}

http::Response JsonError(int status, const std::string& message) {
  return Json(status, json({{"error", message}}).dump());
}

// "a=1&b=2" -> value of `key`; our values need no percent-decoding (state
// names and integers), anything else is rejected by the caller.
std::optional<std::string> QueryParam(std::string_view query,
                                      std::string_view key) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    size_t eq = pair.find('=');
    if (pair.substr(0, eq) == key) {
      return std::string(eq == std::string_view::npos ? ""
                                                      : pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

}  // namespace

void Api::Handle(http::Request request, http::Responder responder) {
  const std::string& path = request.path;
  const std::string& method = request.method;
  if (path == "/health") {
    if (method != "GET" && method != "HEAD") {
      return responder.Send(JsonError(405, "use GET"));
    }
    return Health(std::move(responder));
  }
  if (path == "/metrics") {
    if (method != "GET") return responder.Send(JsonError(405, "use GET"));
    return Metrics(std::move(responder));
  }
  if (path == "/v1/tasks") {
    if (method == "POST") return Submit(request, std::move(responder));
    if (method == "GET") return ListTasks(request, std::move(responder));
    return responder.Send(JsonError(405, "use GET or POST"));
  }
  if (path.size() > kTasksPrefix.size() &&
      path.compare(0, kTasksPrefix.size(), kTasksPrefix) == 0) {
    std::string id = path.substr(kTasksPrefix.size());
    if (!IsValidTaskId(id)) {
      return responder.Send(JsonError(404, "no such task"));
    }
    if (method == "GET") return GetTask(id, std::move(responder));
    if (method == "DELETE") return CancelTask(id, std::move(responder));
    return responder.Send(JsonError(405, "use GET or DELETE"));
  }
  responder.Send(JsonError(404, "not found"));
}

http::Response Api::RefusedByServer(int status) {
  if (status == 413) {
    return Json(400, SubmitErrorJson({"body", "larger than 1 MiB"}));
  }
  return JsonError(status, std::string(http::ReasonPhrase(status)));
}

void Api::Submit(const http::Request& request, http::Responder responder) {
  SubmitParse parse = ParseSubmitRequest(
      request.body,
      [this](std::string_view zone) { return zones_->Known(zone); });
  if (!parse.task) {
    return responder.Send(Json(400, SubmitErrorJson(parse.error)));
  }
  core_->Submit(std::move(*parse.task), [responder](
                                            SchedulerCore::SubmitReply reply) {
    switch (reply.status) {
      case SchedulerCore::SubmitStatus::kCreated:
        responder.Send(Json(
            201, json({{"id", reply.task.id}, {"state", "queued"}}).dump()));
        return;
      case SchedulerCore::SubmitStatus::kExisting:
        responder.Send(Json(200, TaskToApiJson(reply.task)));
        return;
      case SchedulerCore::SubmitStatus::kUnavailable:
        responder.Send(JsonError(
            503, "task not accepted: store unavailable: " + reply.error));
        return;
      case SchedulerCore::SubmitStatus::kClosed:
        responder.Send(JsonError(503, "shutting down"));
        return;
    }
  });
}

void Api::GetTask(const std::string& id, http::Responder responder) {
  if (auto task = core_->Get(id)) {
    return responder.Send(Json(200, TaskToApiJson(*task)));
  }
  // Not held here; with a shared store another instance may hold it.
  LoadElsewhere(id, responder, [](const Task& task, http::Responder r) {
    r.Send(Json(200, TaskToApiJson(task)));
  });
}

void Api::LoadElsewhere(
    const std::string& id, http::Responder responder,
    std::function<void(const Task&, http::Responder)> found) {
  store_->Load(id, [responder, found = std::move(found)](
                       Result<std::optional<Task>> stored) {
    if (!stored.ok()) {
      return responder.Send(
          JsonError(503, "store unavailable: " + stored.message()));
    }
    if (!stored->has_value()) {
      return responder.Send(JsonError(404, "no such task"));
    }
    found(**stored, responder);
  });
}

void Api::ListTasks(const http::Request& request, http::Responder responder) {
  std::optional<TaskState> state;
  if (auto s = QueryParam(request.query, "state")) {
    state = ParseTaskState(*s);
    if (!state) {
      return responder.Send(
          Json(400, SubmitErrorJson({"state", "unknown state '" + *s + "'"})));
    }
  }
  size_t limit = kDefaultListLimit;
  if (auto l = QueryParam(request.query, "limit")) {
    auto [ptr, ec] = std::from_chars(l->data(), l->data() + l->size(), limit);
    if (ec != std::errc() || ptr != l->data() + l->size() || limit == 0 ||
        limit > kMaxListLimit) {
      return responder.Send(Json(
          400, SubmitErrorJson({"limit", "must be between 1 and " +
                                             std::to_string(kMaxListLimit)})));
    }
  }
  std::vector<Task> tasks;
  if (auto shared = store_->ListShared()) {
    // Every instance's tasks; the ones held here are fresher in the core
    // (a `running` write may still be on its way to the store), and the
    // newest ones created here may not be back through the watch yet.
    std::unordered_set<std::string> listed;
    for (Task& task : *shared) {
      listed.insert(task.id);
      if (tasks.size() == limit) continue;
      if (auto mine = core_->Get(task.id)) task = std::move(*mine);
      if (!state || task.state == *state) tasks.push_back(std::move(task));
    }
    for (Task& task : core_->List(state, kMaxListLimit)) {
      if (tasks.size() == limit) break;
      if (listed.count(task.id) == 0) tasks.push_back(std::move(task));
    }
  } else {
    tasks = core_->List(state, limit);
  }
  std::string body = "{\"tasks\":[";
  bool first = true;
  for (const Task& task : tasks) {
    if (!first) body += ',';
    first = false;
    body += TaskToApiJson(task);
  }
  body += "]}";
  responder.Send(Json(200, std::move(body)));
}

void Api::CancelTask(const std::string& id, http::Responder responder) {
  if (!core_->Get(id)) return CancelElsewhere(id, std::move(responder));
  core_->Cancel(id, [responder](SchedulerCore::CancelReply reply) {
    switch (reply.status) {
      case SchedulerCore::CancelStatus::kCanceled:
        responder.Send(Json(200, TaskToApiJson(reply.task)));
        return;
      case SchedulerCore::CancelStatus::kNotFound:
        responder.Send(JsonError(404, "no such task"));
        return;
      case SchedulerCore::CancelStatus::kConflict:
        responder.Send(JsonError(409, "cannot cancel: " + reply.error));
        return;
      case SchedulerCore::CancelStatus::kUnavailable:
        responder.Send(JsonError(503, "cancel not durable: " + reply.error));
        return;
    }
  });
}

void Api::CancelElsewhere(const std::string& id, http::Responder responder) {
  LoadElsewhere(id, responder, [](const Task& task, http::Responder r) {
    // Only the instance that holds a task may change it (its claim guards
    // every write), and it is the one that dispatches it.
    std::string why =
        IsFinal(task.state)
            ? "task is " + std::string(TaskStateName(task.state))
            : "task is held by another scheduler instance; cancel it there";
    r.Send(Json(409, json({{"error", "cannot cancel: " + why},
                           {"state", TaskStateName(task.state)}})
                         .dump()));
  });
}

void Api::Health(http::Responder responder) {
  Status store = store_->Health();
  if (store.ok()) {
    return responder.Send(Json(200, R"({"status":"ok"})"));
  }
  // Reads still work; writers are told to go elsewhere.
  responder.Send(Json(
      503, json({{"status", "degraded"}, {"store", store.message()}}).dump()));
}

void Api::Metrics(http::Responder responder) {
  http::Response response(
      200,
      metrics_->Render(core_->Stats(), store_->Health(), store_->Counters(),
                       extra_metrics_ ? extra_metrics_() : std::string()));
  response.headers.Set("Content-Type", std::string(metrics::kContentType));
  responder.Send(std::move(response));
}

}  // namespace staticship::scheduler
