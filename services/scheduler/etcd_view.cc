#include "services/scheduler/etcd_view.h"

#include <algorithm>
#include <iterator>
#include <utility>

namespace staticship::scheduler {

EtcdView::EtcdView(Options options) : options_(std::move(options)) {}

void EtcdView::Replace(const std::vector<etcd::KeyValue>& kvs,
                       int64_t revision) {
  tasks_.clear();
  candidates_.clear();
  for (const etcd::KeyValue& kv : kvs) Apply(kv, false, revision);
  // The list is the whole truth as of `revision`, absent keys included.
  for (auto& [id, slot] : tasks_) {
    slot.view.task.known_at = slot.view.claim.known_at =
        slot.view.status.known_at = revision;
  }
  std::vector<std::string> ids;
  ids.reserve(tasks_.size());
  for (const auto& [id, slot] : tasks_) ids.push_back(id);
  for (const std::string& id : ids) Reconsider(id);
  next_revision_ = revision + 1;
}

void EtcdView::ApplyEvents(const std::vector<etcd::Event>& events) {
  for (const etcd::Event& event : events) {
    Apply(event.kv, event.deleted, event.kv.mod_revision);
    next_revision_ = std::max(next_revision_, event.kv.mod_revision + 1);
  }
}

void EtcdView::Learn(TaskKey kind, const std::string& id,
                     const std::optional<etcd::KeyValue>& kv, int64_t at) {
  if (tasks_.count(id) == 0) return;
  KeyState state;
  state.known_at = at;
  if (kv) {
    state.present = true;
    state.mod_revision = kv->mod_revision;
    state.create_revision = kv->create_revision;
    state.lease = kv->lease;
    state.value = kv->value;
  }
  ApplyKey(kind, id, std::move(state));
}

void EtcdView::Apply(const etcd::KeyValue& kv, bool deleted, int64_t at) {
  std::optional<ParsedKey> key = ParseTaskKey(options_.prefix, kv.key);
  if (!key) return;
  KeyState state;
  state.present = !deleted;
  state.known_at = at;
  state.mod_revision = kv.mod_revision;
  state.create_revision = kv.create_revision;
  state.lease = kv.lease;
  state.value = kv.value;
  ApplyKey(key->kind, key->id, std::move(state));
}

void EtcdView::ApplyKey(TaskKey kind, const std::string& id, KeyState state) {
  auto it = tasks_.find(id);
  if (it == tasks_.end()) {
    if (!state.present) return;
    it = tasks_.emplace(id, Slot()).first;
  }
  TaskView& view = it->second.view;
  KeyState& held = kind == TaskKey::kTask    ? view.task
                   : kind == TaskKey::kClaim ? view.claim
                                             : view.status;
  if (state.known_at != 0 && state.known_at < held.known_at) return;
  held = std::move(state);
  if (kind == TaskKey::kTask) {
    view.spec.reset();
    view.spec_error.clear();
    if (held.present) {
      ParsedSpec parsed = ParseSpec(held.value, options_.zone_known);
      view.spec = std::move(parsed.spec);
      view.spec_error = std::move(parsed.error);
      if (view.spec) view.spec->id = id;
    }
  } else if (kind == TaskKey::kStatus) {
    view.record.reset();
    if (held.present) {
      auto record = TaskFromRecord(held.value);
      if (record.ok()) view.record = std::move(record).value();
    }
    if (view.record && IsFinal(view.record->state)) owned_.erase(id);
  }
  if (!view.task.present && !view.claim.present && !view.status.present) {
    if (it->second.candidate) candidates_.erase(*it->second.candidate);
    tasks_.erase(it);
    return;
  }
  Reconsider(id);
}

void EtcdView::Reconsider(const std::string& id) {
  auto it = tasks_.find(id);
  if (it == tasks_.end()) return;
  Slot& slot = it->second;
  const TaskView& view = slot.view;
  bool final_state = view.record && IsFinal(view.record->state);
  bool busy = claiming_.count(id) != 0 || owned_.count(id) != 0;
  // A claim with our own lease that nobody here tracks was applied by an
  // attempt whose answer got lost; claiming it again recovers it (the txn
  // fails and its answer shows our lease).
  int64_t lease = options_.our_lease ? options_.our_lease() : 0;
  bool orphan = view.claim.present && lease != 0 && view.claim.lease == lease;
  bool eligible = view.task.present && !final_state && !busy &&
                  (!view.claim.present || orphan);
  std::optional<CandidateKey> key;
  if (eligible) {
    int priority = view.spec ? view.spec->priority : kMinPriority;
    key.emplace(-priority, view.task.create_revision, id);
  }
  if (slot.candidate && slot.candidate != key) {
    candidates_.erase(*slot.candidate);
    slot.candidate.reset();
  }
  if (key && !slot.candidate) {
    candidates_.insert(*key);
    slot.candidate = std::move(key);
    if (options_.on_candidate) options_.on_candidate();
  }
}

std::optional<EtcdView::Claim> EtcdView::BeginClaim(uint64_t random) {
  if (candidates_.empty()) return std::nullopt;
  auto pick = candidates_.begin();
  const int top_priority = std::get<0>(*pick);
  size_t window = 0;
  for (auto it = pick; it != candidates_.end() && window < kClaimSpread &&
                       std::get<0>(*it) == top_priority;
       ++it) {
    ++window;
  }
  std::advance(pick, static_cast<std::ptrdiff_t>(random % window));
  Claim claim{std::get<2>(*pick), tasks_.at(std::get<2>(*pick)).view};
  claiming_.insert(claim.id);
  Reconsider(claim.id);
  return claim;
}

void EtcdView::EndClaim(const std::string& id, bool runs_here) {
  claiming_.erase(id);
  if (runs_here) owned_.insert(id);
  Reconsider(id);
}

void EtcdView::Own(const std::string& id) {
  owned_.insert(id);
  Reconsider(id);
}

void EtcdView::Disown(const std::string& id) {
  owned_.erase(id);
  Reconsider(id);
}

std::vector<Task> EtcdView::List() const {
  std::vector<std::pair<int64_t, Task>> ordered;
  ordered.reserve(tasks_.size());
  for (const auto& [id, slot] : tasks_) {
    const TaskView& view = slot.view;
    if (!view.task.present) continue;  // a leftover claim or status
    ordered.emplace_back(
        view.task.create_revision,
        ShownTask(id, view.record, view.spec, view.spec_error));
  }
  std::sort(ordered.begin(), ordered.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<Task> tasks;
  tasks.reserve(ordered.size());
  for (auto& [revision, task] : ordered) tasks.push_back(std::move(task));
  return tasks;
}

const TaskView* EtcdView::Find(const std::string& id) const {
  auto it = tasks_.find(id);
  return it == tasks_.end() ? nullptr : &it->second.view;
}

std::vector<std::string> EtcdView::Candidates() const {
  std::vector<std::string> ids;
  ids.reserve(candidates_.size());
  for (const CandidateKey& key : candidates_) ids.push_back(std::get<2>(key));
  return ids;
}

}  // namespace staticship::scheduler
