#include "services/scheduler/dispatcher.h"

namespace staticship::scheduler {

Dispatcher::Dispatcher(SchedulerCore* core, const ZonesConfig* zones,
                       GameServerTransport* transport, int workers,
                       trace::TraceRecorder* trace)
    : core_(core),
      zones_(zones),
      transport_(transport),
      workers_(workers),
      trace_(trace) {
  for (const auto& [id, zone] : zones_->zones) {
    cursors_.emplace(id, std::make_unique<std::atomic<uint64_t>>(0));
  }
}

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
  const Zone* zone = zones_->Find(task.zone_id);
  auto cursor = cursors_.find(task.zone_id);
  if (zone == nullptr || cursor == cursors_.end()) {
    DispatchOutcome outcome;
    outcome.kind = DispatchOutcome::Kind::kNoRoute;
    outcome.error = "zone '" + task.zone_id + "' is not in the zones file";
    return outcome;
  }
  uint64_t n = cursor->second->fetch_add(1, std::memory_order_relaxed);
  request->endpoint = zone->endpoints[n % zone->endpoints.size()];
  request->path = zone->path;
  request->task_id = task.id;
  request->body = task.payload_json;
  request->timeout = std::chrono::milliseconds(task.timeout_ms);
  return std::nullopt;
}

DispatchOutcome Dispatcher::DispatchOnce(const Task& task) {
  DispatchRequest request;
  if (auto no_route = BuildRequest(task, &request)) return *no_route;
  return transport_->Send(request);
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
    transport_->SendAsync(
        std::move(request),
        [core = core_, id = std::move(task->id), attempt = task->attempts,
         trace = trace_, trace_start](DispatchOutcome outcome) {
          if (trace_start != 0) {
            trace->End("scheduler", "dispatch", trace_start,
                       {"task", id, "status", outcome.status});
          }
          core->Complete(id, attempt, outcome);
        });
  }
}

}  // namespace staticship::scheduler
