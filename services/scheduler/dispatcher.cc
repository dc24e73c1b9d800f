#include "services/scheduler/dispatcher.h"

#include "services/scheduler/clock.h"

namespace staticship::scheduler {
namespace {

// What counts against a game server's health: it could not be reached, did
// not answer in time, or answered with a server error. A 4xx is the task's
// fault, not the server's.
bool GameServerFailed(const DispatchOutcome& outcome) {
  switch (outcome.kind) {
    case DispatchOutcome::Kind::kConnectError:
    case DispatchOutcome::Kind::kTimeout:
      return true;
    case DispatchOutcome::Kind::kResponse:
      return outcome.status >= 500;
    case DispatchOutcome::Kind::kNoRoute:
      return false;
  }
  return false;
}

std::string Describe(const DispatchOutcome& outcome) {
  if (!outcome.error.empty()) return outcome.error;
  return "HTTP " + std::to_string(outcome.status);
}

void ReportHealth(GameServerPicker* picker, std::string_view zone,
                  std::string_view endpoint, const DispatchOutcome& outcome) {
  picker->Report(zone, endpoint, GameServerFailed(outcome), Describe(outcome),
                 SteadyNowMs());
}

}  // namespace

Dispatcher::Dispatcher(SchedulerCore* core, const ZoneDirectory* zones,
                       GameServerPicker* picker, GameServerTransport* transport,
                       int workers, trace::TraceRecorder* trace)
    : core_(core),
      zones_(zones),
      picker_(picker),
      transport_(transport),
      workers_(workers),
      trace_(trace) {}

Dispatcher::~Dispatcher() { Join(); }

void Dispatcher::Start() {
  if (transport_->async()) {
    threads_.emplace_back([this] { RunAsync(); });
    return;
  }
  for (int i = 0; i < workers_; ++i) threads_.emplace_back([this] { Run(); });
}

void Dispatcher::Join() {
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

std::optional<DispatchOutcome> Dispatcher::BuildRequest(
    const Task& task, DispatchRequest* request) {
  // Held for this dispatch only: a reload may replace the zones meanwhile.
  std::shared_ptr<const ZonesConfig> zones = zones_->Snapshot();
  const Zone* zone = zones->Find(task.zone_id);
  if (zone == nullptr) {
    DispatchOutcome outcome;
    outcome.kind = DispatchOutcome::Kind::kNoRoute;
    outcome.error = "zone '" + task.zone_id + "' is not configured";
    return outcome;
  }
  request->endpoint = picker_->Pick(*zone, SteadyNowMs());
  request->path = zone->path;
  request->task_id = task.id;
  request->body = task.payload_json;
  request->timeout = std::chrono::milliseconds(task.timeout_ms);
  return std::nullopt;
}

DispatchOutcome Dispatcher::DispatchOnce(const Task& task) {
  DispatchRequest request;
  if (auto no_route = BuildRequest(task, &request)) return *no_route;
  DispatchOutcome outcome = transport_->Send(request);
  ReportHealth(picker_, task.zone_id, request.endpoint, outcome);
  return outcome;
}

void Dispatcher::Run() {
  while (auto task = core_->NextDispatch()) {
    const int64_t trace_start = trace::StartNs(trace_);
    DispatchOutcome outcome = DispatchOnce(*task);
    if (trace_start != 0) {
      trace_->End("scheduler", "dispatch", trace_start,
                  {"task", task->id, "status", outcome.status});
    }
    core_->Complete(task->id, task->attempts, outcome);
  }
}

void Dispatcher::RunAsync() {
  // NextDispatch blocks while `workers` dispatches are in flight; Complete,
  // called from the transport's thread, frees the slot.
  while (auto task = core_->NextDispatch()) {
    DispatchRequest request;
    if (auto no_route = BuildRequest(*task, &request)) {
      core_->Complete(task->id, task->attempts, *no_route);
      continue;
    }
    const int64_t trace_start = trace::StartNs(trace_);
    std::string endpoint = request.endpoint;
    transport_->SendAsync(
        std::move(request),
        [core = core_, picker = picker_, id = std::move(task->id),
         zone = std::move(task->zone_id), endpoint = std::move(endpoint),
         attempt = task->attempts, trace = trace_,
         trace_start](DispatchOutcome outcome) {
          if (trace_start != 0) {
            trace->End("scheduler", "dispatch", trace_start,
                       {"task", id, "status", outcome.status});
          }
          ReportHealth(picker, zone, endpoint, outcome);
          core->Complete(id, attempt, outcome);
        });
  }
}

}  // namespace staticship::scheduler
