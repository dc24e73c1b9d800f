#include "services/scheduler/dispatcher.h"

namespace staticship::scheduler {

Dispatcher::Dispatcher(SchedulerCore* core, const ZonesConfig* zones,
                       GameServerTransport* transport, int workers)
    : core_(core), zones_(zones), transport_(transport), workers_(workers) {
  for (const auto& [id, zone] : zones_->zones) {
    cursors_.emplace(id, std::make_unique<std::atomic<uint64_t>>(0));
  }
}

Dispatcher::~Dispatcher() { Join(); }

void Dispatcher::Start() {
  for (int i = 0; i < workers_; ++i) threads_.emplace_back([this] { Run(); });
}

void Dispatcher::Join() {
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

DispatchOutcome Dispatcher::DispatchOnce(const Task& task) {
  const Zone* zone = zones_->Find(task.zone_id);
  auto cursor = cursors_.find(task.zone_id);
  if (zone == nullptr || cursor == cursors_.end()) {
    DispatchOutcome outcome;
    outcome.kind = DispatchOutcome::Kind::kNoRoute;
    outcome.error = "zone '" + task.zone_id + "' is not in the zones file";
    return outcome;
  }
  uint64_t n = cursor->second->fetch_add(1, std::memory_order_relaxed);
  DispatchRequest request;
  request.endpoint = zone->endpoints[n % zone->endpoints.size()];
  request.path = zone->path;
  request.task_id = task.id;
  request.body = task.payload_json;
  request.timeout = std::chrono::milliseconds(task.timeout_ms);
  return transport_->Send(request);
}

void Dispatcher::Run() {
  while (auto task = core_->NextDispatch()) {
    core_->Complete(task->id, DispatchOnce(*task));
  }
}

}  // namespace staticship::scheduler
