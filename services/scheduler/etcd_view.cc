#include "services/scheduler/etcd_view.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "services/scheduler/rendezvous_hash.h"

namespace staticship::scheduler {

EtcdView::EtcdView(Options options) : options_(std::move(options)) {}

void EtcdView::Replace(const std::vector<etcd::KeyValue>& kvs,
                       int64_t revision) {
  tasks_.clear();
  candidates_.clear();
  instances_.clear();
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
  if (std::optional<int64_t> instance =
          ParseInstanceKey(options_.prefix, kv.key)) {
    // A lease's key is put once and deleted once (with the lease), so the
    // order of answers cannot matter here as it does for task keys.
    if (deleted) {
      instances_.erase(*instance);
    } else {
      instances_.insert(*instance);
    }
    return;
  }
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
    slot.candidate_since_ms = NowMs();
    if (options_.on_candidate) options_.on_candidate();
  }
}

int64_t EtcdView::NowMs() const {
  return options_.now_ms ? options_.now_ms() : 0;
}

std::vector<EtcdView::Claim> EtcdView::BeginClaims(size_t max) {
  std::vector<Claim> claims;
  const int64_t lease = options_.our_lease ? options_.our_lease() : 0;
  if (max == 0 || lease == 0) return claims;
  const int64_t overdue_since = NowMs() - options_.steal_after_ms;
  // Ours counts before its key shows up in the watch.
  std::set<int64_t> live = instances_;
  live.insert(lease);
  std::vector<std::string> chosen;
  // The other instances' candidates in claim order, with their owners; the
  // owners that have one waiting past steal_after_ms, and past
  // kStuckAfter x steal_after_ms.
  std::vector<std::pair<const std::string*, int64_t>> theirs;
  std::set<int64_t> behind;
  std::set<int64_t> stuck;
  const int64_t stuck_since = NowMs() - kStuckAfter * options_.steal_after_ms;
  for (const CandidateKey& key : candidates_) {
    if (chosen.size() == max) break;
    const std::string& id = std::get<2>(key);
    const Slot& slot = tasks_.at(id);
    bool orphan = slot.view.claim.present && slot.view.claim.lease == lease;
    int64_t owner =
        orphan || live.size() == 1 ? lease : RendezvousOwner(live, id);
    if (owner == lease) {
      chosen.push_back(id);
      continue;
    }
    theirs.emplace_back(&id, owner);
    if (slot.candidate_since_ms <= overdue_since) behind.insert(owner);
    if (slot.candidate_since_ms <= stuck_since) stuck.insert(owner);
  }
  // An owner that is behind is helped past the kHelpSkip candidates it is
  // likely claiming now (we do not see its claims until the watch does), so
  // that the two do not race for the same tasks; one that is stuck from its
  // first candidate on.
  std::unordered_map<int64_t, size_t> passed;
  for (const auto& [id, owner] : theirs) {
    if (chosen.size() == max) break;
    if (behind.count(owner) == 0) continue;
    if (stuck.count(owner) == 0 && passed[owner]++ < kHelpSkip) continue;
    chosen.push_back(*id);
  }
  // Marked only now: Reconsider takes them out of candidates_, which the
  // loops above walk.
  for (std::string& id : chosen) {
    claims.push_back({id, tasks_.at(id).view});
    claiming_.insert(id);
    Reconsider(id);
  }
  return claims;
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
