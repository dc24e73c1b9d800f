#include "services/scheduler/etcd_store.h"

#include <algorithm>
#include <iterator>
#include <nlohmann/json.hpp>
#include <random>

#include "services/common/random_seed.h"
#include "services/scheduler/etcd_codec.h"
#include "services/scheduler/etcd_watch.h"

namespace staticship::scheduler {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

constexpr milliseconds kClaimIdleWait{20};
// How many of the oldest top-priority candidates a claimer chooses from.
constexpr size_t kClaimSpread = 16;
constexpr milliseconds kWatchPoll{200};
constexpr milliseconds kMaxBackoff{2000};

int64_t WallMs() {
  return std::chrono::duration_cast<milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

json CompareCreate(const std::string& key, int64_t revision) {
  return {{"target", "CREATE"},
          {"key", etcd::Base64Encode(key)},
          {"create_revision", std::to_string(revision)}};
}

json CompareMod(const std::string& key, int64_t revision) {
  return {{"target", "MOD"},
          {"key", etcd::Base64Encode(key)},
          {"mod_revision", std::to_string(revision)}};
}

json CompareLease(const std::string& key, int64_t lease) {
  return {{"target", "LEASE"},
          {"key", etcd::Base64Encode(key)},
          {"lease", std::to_string(lease)}};
}

json OpPut(const std::string& key, const std::string& value,
           int64_t lease = 0) {
  json put = {{"key", etcd::Base64Encode(key)},
              {"value", etcd::Base64Encode(value)}};
  if (lease != 0) put["lease"] = std::to_string(lease);
  return {{"request_put", put}};
}

json OpDelete(const std::string& key) {
  return {{"request_delete_range", {{"key", etcd::Base64Encode(key)}}}};
}

json OpRange(const std::string& key) {
  return {{"request_range", {{"key", etcd::Base64Encode(key)}}}};
}

// The kv of the index-th range response of a failed txn, if the key exists.
std::optional<etcd::KeyValue> RangeResult(const json& reply, size_t index) {
  auto responses = reply.find("responses");
  if (responses == reply.end() || !responses->is_array() ||
      responses->size() <= index) {
    return std::nullopt;
  }
  auto kvs = etcd::ParseKvs(
      (*responses)[index].value("response_range", json::object()));
  if (!kvs.ok() || kvs->empty()) return std::nullopt;
  return kvs->front();
}

// What a producer writes to tasks/<id>: the POST /v1/tasks body.
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

// What GET and the list show for a task this instance does not hold: its
// status record once written, else the producer's spec as queued, else
// (the spec does not parse) the failure its first claimer will record.
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

bool IsCreate(const Task& task) {
  // Only SchedulerCore::Submit persists version 1; adopted tasks start at
  // the version of their status record and are written from version 2 on.
  return task.version == 1 && task.state == TaskState::kQueued &&
         task.attempts == 0;
}

}  // namespace

EtcdStore::EtcdStore(EtcdStoreOptions options)
    : options_(std::move(options)),
      client_(options_.endpoints, options_.request_timeout) {}

EtcdStore::~EtcdStore() { Close(); }

std::string EtcdStore::Key(std::string_view kind, std::string_view id) const {
  std::string key = options_.prefix;
  key.append(kind);
  key += '/';
  key.append(id);
  return key;
}

void EtcdStore::Log(const std::string& message) const {
  if (options_.log) options_.log(message);
}

void EtcdStore::Start(Hooks hooks) {
  hooks_ = std::move(hooks);
  threads_.emplace_back([this] { SessionLoop(); });
  threads_.emplace_back([this] { WatchLoop(); });
  for (int i = 0; i < options_.claimers; ++i) {
    threads_.emplace_back([this] { ClaimLoop(); });
  }
  for (int i = 0; i < options_.writers; ++i) {
    threads_.emplace_back([this] { WriteLoop(); });
  }
}

Result<std::vector<Task>> EtcdStore::Recover() { return std::vector<Task>(); }

Status EtcdStore::Maintain(const Capture&, bool) { return Status::Ok(); }

Status EtcdStore::Health() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (lease_healthy_ && watch_healthy_) return Status::Ok();
  return MakeError("etcd unavailable: " + last_error_);
}

int64_t EtcdStore::lease() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lease_;
}

EtcdStore::Tallies EtcdStore::tallies() const {
  std::lock_guard<std::mutex> lock(mu_);
  return tallies_;
}

std::vector<TaskStore::Counter> EtcdStore::Counters() const {
  Tallies c = tallies();
  return {
      {"scheduler_etcd_claims_total",
       "Claim transactions, by whether this instance won the task",
       {{"result", "won"}},
       c.claims_won},
      {"scheduler_etcd_claims_total",
       "Claim transactions, by whether this instance won the task",
       {{"result", "lost"}},
       c.claims_lost},
      {"scheduler_etcd_relists_total",
       "Full lists of the prefix: at start and after a compacted watch",
       {},
       c.relists},
      {"scheduler_etcd_watch_reconnects_total",
       "Watches that broke and were opened again",
       {},
       c.watch_reconnects},
  };
}

std::optional<std::vector<Task>> EtcdStore::ListShared() const {
  std::vector<std::pair<int64_t, Task>> ordered;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ordered.reserve(view_.size());
    for (const auto& [id, entry] : view_) {
      if (!entry.task.present) continue;  // a leftover claim or status
      ordered.emplace_back(
          entry.task.create_revision,
          ShownTask(id, entry.record, entry.spec, entry.spec_error));
    }
  }
  std::sort(ordered.begin(), ordered.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<Task> tasks;
  tasks.reserve(ordered.size());
  for (auto& [revision, task] : ordered) tasks.push_back(std::move(task));
  return tasks;
}

SubmitParse EtcdStore::ParseSpec(const std::string& value) const {
  return ParseSubmitRequest(
      value, options_.zone_known ? options_.zone_known
                                 : std::function<bool(std::string_view)>(
                                       [](std::string_view) { return true; }));
}

void EtcdStore::SetHealthLocked(bool* flag, bool healthy,
                                const std::string& why) {
  if (*flag != healthy) {
    Log(healthy ? "etcd: " + why : "etcd unavailable: " + why);
  }
  *flag = healthy;
  if (!healthy) last_error_ = why;
}

bool EtcdStore::SleepUnlessStopping(milliseconds d) {
  std::unique_lock<std::mutex> lock(mu_);
  return !stop_cv_.wait_for(lock, d, [this] { return stopping_; });
}

// ---------------------------------------------------------------- session

void EtcdStore::SessionLoop() {
  milliseconds backoff{100};
  milliseconds keepalive_every{
      std::max<int64_t>(200, options_.lease_ttl_seconds * 1000 / 3)};
  milliseconds wait = keepalive_every;
  for (;;) {
    int64_t lease;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
      lease = lease_;
    }
    if (lease == 0) {
      auto granted = client_.LeaseGrant(options_.lease_ttl_seconds);
      std::lock_guard<std::mutex> lock(mu_);
      if (!granted.ok()) {
        SetHealthLocked(&lease_healthy_, false,
                        "lease grant: " + granted.message());
      } else {
        lease_ = *granted;
        SetHealthLocked(&lease_healthy_, true,
                        "holding lease " + std::to_string(lease_));
        claim_cv_.notify_all();
        backoff = milliseconds(100);
        continue;
      }
    } else {
      if (!SleepUnlessStopping(wait)) return;
      auto ttl = client_.LeaseKeepAlive(lease);
      std::unique_lock<std::mutex> lock(mu_);
      if (ttl.ok() && *ttl > 0) {
        SetHealthLocked(&lease_healthy_, true, "lease kept alive again");
        backoff = milliseconds(100);
        wait = keepalive_every;
        continue;
      }
      if (ttl.ok()) {
        // etcd forgot the lease: its claims are gone and another instance
        // may dispatch what this one still holds.
        lease_ = 0;
        SetHealthLocked(&lease_healthy_, false, "lease expired");
        lock.unlock();
        if (hooks_.lease_lost) hooks_.lease_lost();
        continue;
      }
      SetHealthLocked(&lease_healthy_, false, "keepalive: " + ttl.message());
      // Faster than the TTL so a short outage does not cost the lease.
      wait = std::min(backoff, keepalive_every);
    }
    if (!SleepUnlessStopping(backoff)) return;
    backoff = std::min(backoff * 2, kMaxBackoff);
  }
}

// ------------------------------------------------------------------ watch

void EtcdStore::WatchLoop() {
  etcd::EtcdWatch watch;
  int64_t next_revision = 0;
  bool relist = true;
  size_t endpoint = 0;
  milliseconds backoff{100};
  auto fail = [&](const std::string& why) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      SetHealthLocked(&watch_healthy_, false, why);
      ++tallies_.watch_reconnects;
    }
    watch.Close();
    ++endpoint;  // the next member may be up
    bool go_on = SleepUnlessStopping(backoff);
    backoff = std::min(backoff * 2, kMaxBackoff);
    return go_on;
  };
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
    }
    if (relist) {
      auto range = client_.RangePrefix(options_.prefix);
      if (!range.ok()) {
        if (!fail("listing " + options_.prefix + ": " + range.message())) {
          return;
        }
        continue;
      }
      std::lock_guard<std::mutex> lock(mu_);
      ReplaceViewLocked(range->kvs, range->revision);
      next_revision = range->revision + 1;
      relist = false;
      ++tallies_.relists;
    }
    const auto& endpoints = client_.endpoints();
    std::string url = endpoints[endpoint % endpoints.size()];
    if (Status s = watch.Open(url, options_.prefix, next_revision,
                              options_.request_timeout);
        !s.ok()) {
      if (!fail("watch " + url + ": " + s.message())) return;
      continue;
    }
    for (;;) {
      auto line = watch.Next(kWatchPoll);
      if (!line.ok()) {
        if (!fail("watch " + url + ": " + line.message())) return;
        break;
      }
      if (line->empty()) {
        std::lock_guard<std::mutex> lock(mu_);
        if (stopping_) return;
        continue;
      }
      auto message = etcd::ParseWatchLine(*line);
      if (!message.ok()) {
        if (!fail(message.message())) return;
        break;
      }
      if (message->compact_revision > 0 || message->canceled) {
        // etcd#9386: the revision we asked for is gone. Retrying it would
        // fail forever; the current state is in a fresh list.
        Log("etcd watch canceled (compacted at " +
            std::to_string(message->compact_revision) + ", " +
            message->cancel_reason + "); re-listing " + options_.prefix);
        relist = true;
        watch.Close();
        break;
      }
      std::lock_guard<std::mutex> lock(mu_);
      if (message->created) {
        SetHealthLocked(&watch_healthy_, true,
                        "watching " + url + " from revision " +
                            std::to_string(next_revision));
        backoff = milliseconds(100);
      }
      for (const etcd::Event& event : message->events) {
        ApplyLocked(event.kv, event.deleted, event.kv.mod_revision);
        next_revision = std::max(next_revision, event.kv.mod_revision + 1);
      }
    }
  }
}

void EtcdStore::ReplaceViewLocked(const std::vector<etcd::KeyValue>& kvs,
                                  int64_t revision) {
  view_.clear();
  candidates_.clear();
  for (const etcd::KeyValue& kv : kvs) ApplyLocked(kv, false, revision);
  // The list is the whole truth as of `revision`, absent keys included.
  for (auto& [id, entry] : view_) {
    entry.task.known_at = entry.claim.known_at = entry.status.known_at =
        revision;
  }
  std::vector<std::string> ids;
  ids.reserve(view_.size());
  for (const auto& [id, entry] : view_) ids.push_back(id);
  for (const std::string& id : ids) ReconsiderLocked(id);
}

void EtcdStore::ApplyLocked(const etcd::KeyValue& kv, bool deleted,
                            int64_t at) {
  if (kv.key.compare(0, options_.prefix.size(), options_.prefix) != 0) return;
  std::string_view rest(kv.key);
  rest.remove_prefix(options_.prefix.size());
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos || slash + 1 == rest.size()) return;
  std::string kind(rest.substr(0, slash));
  std::string id(rest.substr(slash + 1));
  if (kind != "tasks" && kind != "claims" && kind != "status") return;
  Field field;
  field.present = !deleted;
  field.known_at = at;
  field.mod_revision = kv.mod_revision;
  field.create_revision = kv.create_revision;
  field.lease = kv.lease;
  field.value = kv.value;
  ApplyFieldLocked(kind, id, std::move(field));
}

void EtcdStore::ApplyFieldLocked(const std::string& kind, const std::string& id,
                                 Field field) {
  auto it = view_.find(id);
  if (it == view_.end()) {
    if (!field.present) return;
    it = view_.emplace(id, Entry()).first;
  }
  Entry& entry = it->second;
  Field& slot = kind == "tasks"    ? entry.task
                : kind == "claims" ? entry.claim
                                   : entry.status;
  if (field.known_at != 0 && field.known_at < slot.known_at) return;
  slot = std::move(field);
  if (kind == "tasks") {
    entry.spec.reset();
    entry.spec_error.clear();
    if (slot.present) {
      SubmitParse parse = ParseSpec(slot.value);
      if (parse.task) {
        entry.spec = std::move(parse.task);
        entry.spec->id = id;
      } else {
        entry.spec_error = parse.error.field + ": " + parse.error.message;
      }
    }
  } else if (kind == "status") {
    entry.record.reset();
    if (slot.present) {
      auto record = TaskFromRecord(slot.value);
      if (record.ok()) entry.record = std::move(record).value();
    }
    if (entry.record && IsFinal(entry.record->state)) owned_.erase(id);
  }
  if (!entry.task.present && !entry.claim.present && !entry.status.present) {
    if (entry.candidate) candidates_.erase(*entry.candidate);
    view_.erase(it);
    return;
  }
  ReconsiderLocked(id);
}

void EtcdStore::ReconsiderLocked(const std::string& id) {
  auto it = view_.find(id);
  if (it == view_.end()) return;
  Entry& entry = it->second;
  bool final_state = entry.record && IsFinal(entry.record->state);
  bool busy = claiming_.count(id) != 0 || owned_.count(id) != 0;
  // A claim with our own lease that nobody here tracks was applied by an
  // attempt whose answer got lost; claiming it again recovers it (the txn
  // fails and its answer shows our lease).
  bool orphan =
      entry.claim.present && lease_ != 0 && entry.claim.lease == lease_;
  bool eligible = entry.task.present && !final_state && !busy &&
                  (!entry.claim.present || orphan);
  std::optional<std::tuple<int, int64_t, std::string>> key;
  if (eligible) {
    int priority = entry.spec ? entry.spec->priority : kMinPriority;
    key.emplace(-priority, entry.task.create_revision, id);
  }
  if (entry.candidate && entry.candidate != key) {
    candidates_.erase(*entry.candidate);
    entry.candidate.reset();
  }
  if (key && !entry.candidate) {
    candidates_.insert(*key);
    entry.candidate = std::move(key);
    claim_cv_.notify_one();
  }
}

// ------------------------------------------------------------------ claims

void EtcdStore::ClaimLoop() {
  std::minstd_rand rng(static_cast<uint32_t>(RandomSeed()));
  for (;;) {
    size_t backlog = hooks_.backlog ? hooks_.backlog() : 0;
    std::unique_lock<std::mutex> lock(mu_);
    if (stopping_) return;
    if (lease_ == 0 || candidates_.empty() ||
        backlog + claiming_.size() >= options_.claim_window) {
      claim_cv_.wait_for(lock, kClaimIdleWait);
      continue;
    }
    // Instances see the same candidates in the same order; if every
    // claimer took the first, they would all race for one task and all but
    // one txn would be wasted. So each picks among the first few of the top
    // priority: priorities stay strict, FIFO within one is kept to within
    // that window.
    auto pick = candidates_.begin();
    const int top_priority = std::get<0>(*pick);
    size_t window = 0;
    for (auto it = pick; it != candidates_.end() && window < kClaimSpread &&
                         std::get<0>(*it) == top_priority;
         ++it) {
      ++window;
    }
    std::advance(pick,
                 std::uniform_int_distribution<size_t>(0, window - 1)(rng));
    std::string id = std::get<2>(*pick);
    Entry seen = view_.at(id);
    claiming_.insert(id);
    ReconsiderLocked(id);
    int64_t lease = lease_;
    lock.unlock();

    Task adopted;
    ClaimResult result = TryClaim(id, seen, lease, &adopted);

    lock.lock();
    claiming_.erase(id);
    if (result == ClaimResult::kWon) {
      ++tallies_.claims_won;
      if (!IsFinal(adopted.state)) owned_.insert(id);
    } else if (result == ClaimResult::kLost) {
      ++tallies_.claims_lost;
    }
    ReconsiderLocked(id);
    lock.unlock();
    if (result == ClaimResult::kWon && hooks_.adopt && !hooks_.adopt(adopted)) {
      Log("claimed " + id + " but the core already has it");
    }
    if (result == ClaimResult::kError &&
        !SleepUnlessStopping(milliseconds(100))) {
      return;
    }
  }
}

EtcdStore::ClaimResult EtcdStore::TryClaim(const std::string& id,
                                           const Entry& seen, int64_t lease,
                                           Task* adopted) {
  const std::string claim_key = Key("claims", id);
  const std::string status_key = Key("status", id);
  int64_t now = WallMs();
  if (!seen.spec) {
    // Nobody can dispatch it; record why, once, as the final state.
    Task& t = *adopted;
    t.id = id;
    t.state = TaskState::kFailed;
    t.last_error = "invalid task in etcd: " + seen.spec_error;
    t.created_at_ms = t.updated_at_ms = t.finished_at_ms = now;
    t.version = 1;
  } else if (seen.record && !IsFinal(seen.record->state)) {
    *adopted = *seen.record;  // taken over: attempts and history go on
  } else {
    *adopted = *seen.spec;
    adopted->state = TaskState::kQueued;
    adopted->attempts = 0;
    adopted->created_at_ms = adopted->updated_at_ms = now;
    adopted->version = 1;
  }
  json success = json::array();
  if (seen.spec) {
    success.push_back(OpPut(claim_key, options_.instance, lease));
  } else {
    success.push_back(OpPut(status_key, TaskToRecord(*adopted)));
  }
  json txn = {
      {"compare",
       {CompareCreate(claim_key, 0),
        CompareMod(status_key,
                   seen.status.present ? seen.status.mod_revision : 0)}},
      {"success", success},
      {"failure", {OpRange(claim_key), OpRange(status_key)}},
  };
  // A txn whose answer is lost may have been applied: asking again is safe
  // because the repeat fails and its failure branch shows our lease.
  milliseconds backoff{50};
  auto deadline = std::chrono::steady_clock::now() + options_.write_retry_limit;
  for (;;) {
    auto reply = client_.Call("/v3/kv/txn", txn);
    if (reply.ok()) {
      if (reply->value("succeeded", false)) return ClaimResult::kWon;
      auto claim = RangeResult(*reply, 0);
      if (claim && claim->lease == lease) return ClaimResult::kWon;
      int64_t at =
          etcd::JsonInt(reply->value("header", json::object()), "revision");
      auto status = RangeResult(*reply, 1);
      // Teach the view what beat us so the task is not retried at once.
      std::lock_guard<std::mutex> lock(mu_);
      if (view_.count(id) != 0) {
        Field c;
        c.known_at = at;
        if (claim) {
          c.present = true;
          c.mod_revision = claim->mod_revision;
          c.create_revision = claim->create_revision;
          c.lease = claim->lease;
          c.value = claim->value;
        }
        ApplyFieldLocked("claims", id, std::move(c));
      }
      if (view_.count(id) != 0) {
        Field s;
        s.known_at = at;
        if (status) {
          s.present = true;
          s.mod_revision = status->mod_revision;
          s.create_revision = status->create_revision;
          s.value = status->value;
        }
        ApplyFieldLocked("status", id, std::move(s));
      }
      return ClaimResult::kLost;
    }
    if (!etcd::IsTransient(reply.error()) ||
        std::chrono::steady_clock::now() + backoff > deadline ||
        !SleepUnlessStopping(backoff)) {
      Log("claim of " + id + " undecided: " + reply.message());
      return ClaimResult::kError;
    }
    backoff = std::min(backoff * 2, milliseconds(1000));
  }
}

// ------------------------------------------------------------------ writes

void EtcdStore::Persist(const Task& task, Done done) {
  std::unique_lock<std::mutex> lock(mu_);
  if (closed_) {
    lock.unlock();
    if (done) done(MakeError("etcd store is closed"));
    return;
  }
  // Only the newest state of a task matters; a write queued behind one in
  // flight absorbs later ones (fewer etcd round trips, never out of order).
  auto it = pending_writes_.find(task.id);
  if (it != pending_writes_.end()) {
    if (task.version >= it->second.task.version) it->second.task = task;
    it->second.dones.push_back(std::move(done));
    return;
  }
  PendingWrite& write = pending_writes_[task.id];
  write.task = task;
  write.dones.push_back(std::move(done));
  if (writing_.count(task.id) == 0) {
    write_order_.push_back(task.id);
    write_cv_.notify_one();
  }
}

void EtcdStore::WriteLoop() {
  for (;;) {
    std::unique_lock<std::mutex> lock(mu_);
    write_cv_.wait(lock, [this] {
      return stopping_ || !write_order_.empty() || !reads_.empty();
    });
    if (!reads_.empty() && !stopping_) {
      PendingRead read = std::move(reads_.front());
      reads_.pop_front();
      lock.unlock();
      read.done(ReadTask(read.id));
      continue;
    }
    if (write_order_.empty()) return;  // stopping and drained
    std::string id = std::move(write_order_.front());
    write_order_.pop_front();
    auto node = pending_writes_.extract(id);
    if (node.empty()) continue;
    writing_.insert(id);
    ++writes_in_flight_;
    lock.unlock();

    Status s = WriteTask(node.mapped().task);

    lock.lock();
    writing_.erase(id);
    --writes_in_flight_;
    if (pending_writes_.count(id) != 0) {
      write_order_.push_back(id);
      write_cv_.notify_one();
    }
    stop_cv_.notify_all();  // Close() waits for the drain
    lock.unlock();
    for (auto& done : node.mapped().dones) {
      if (done) done(s);
    }
  }
}

Status EtcdStore::WriteTask(const Task& task) {
  milliseconds limit =
      IsCreate(task) ? options_.create_retry_limit : options_.write_retry_limit;
  auto deadline = std::chrono::steady_clock::now() + limit;
  milliseconds backoff{50};
  for (;;) {
    int64_t lease;
    {
      std::lock_guard<std::mutex> lock(mu_);
      lease = lease_;
    }
    Status s = lease == 0 ? Status(MakeError("[unavailable] no etcd lease"))
                          : WriteOnce(task, lease);
    bool stopping;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping = stopping_;
    }
    if (s.ok() || !etcd::IsTransient(s.error()) || stopping ||
        std::chrono::steady_clock::now() + backoff > deadline) {
      if (!s.ok() && IsCreate(task)) {
        std::lock_guard<std::mutex> lock(mu_);
        owned_.erase(task.id);
        ReconsiderLocked(task.id);
      }
      return s;
    }
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, milliseconds(1000));
  }
}

Status EtcdStore::WriteOnce(const Task& task, int64_t lease) {
  const std::string claim_key = Key("claims", task.id);
  const std::string status_key = Key("status", task.id);
  if (IsCreate(task)) {
    const std::string task_key = Key("tasks", task.id);
    {
      // Before the txn: the watch may show our claim before we return.
      std::lock_guard<std::mutex> lock(mu_);
      owned_.insert(task.id);
      ReconsiderLocked(task.id);
    }
    json txn = {
        {"compare", {CompareCreate(task_key, 0), CompareCreate(claim_key, 0)}},
        {"success",
         {OpPut(task_key, SpecJson(task)),
          OpPut(claim_key, options_.instance, lease),
          OpPut(status_key, TaskToRecord(task))}},
        {"failure", {OpRange(task_key), OpRange(claim_key)}},
    };
    auto reply = client_.Call("/v3/kv/txn", txn);
    if (!reply.ok()) return reply.error();
    if (reply->value("succeeded", false)) return Status::Ok();
    auto existing = RangeResult(*reply, 0);
    auto claim = RangeResult(*reply, 1);
    if (existing && claim && claim->lease == lease) {
      return Status::Ok();  // an earlier attempt of ours went through
    }
    std::lock_guard<std::mutex> lock(mu_);
    owned_.erase(task.id);
    ReconsiderLocked(task.id);
    return MakeError(std::string(kIdExistsPrefix) + "task id '" + task.id +
                     "' already exists in etcd");
  }
  bool final_state = IsFinal(task.state);
  json success = json::array({OpPut(status_key, TaskToRecord(task))});
  // The claim goes with the final state: nothing is left to hold.
  if (final_state) success.push_back(OpDelete(claim_key));
  json txn = {
      {"compare", json::array({CompareLease(claim_key, lease)})},
      {"success", success},
      {"failure", json::array({OpRange(status_key)})},
  };
  auto reply = client_.Call("/v3/kv/txn", txn);
  if (!reply.ok()) return reply.error();
  if (!reply->value("succeeded", false)) {
    auto status = RangeResult(*reply, 0);
    if (status) {
      auto stored = TaskFromRecord(status->value);
      if (stored.ok() && stored->version >= task.version) {
        return Status::Ok();  // an earlier attempt of ours went through
      }
    }
    return MakeError("claim on '" + task.id +
                     "' is not ours any more; status not written");
  }
  if (final_state) {
    std::lock_guard<std::mutex> lock(mu_);
    owned_.erase(task.id);
  }
  return Status::Ok();
}

// ------------------------------------------------------------------- reads

void EtcdStore::Load(const std::string& id, LoadDone done) {
  std::unique_lock<std::mutex> lock(mu_);
  if (closed_) {
    lock.unlock();
    done(MakeError("etcd store is closed"));
    return;
  }
  reads_.push_back({id, std::move(done)});
  write_cv_.notify_one();
}

Result<std::optional<Task>> EtcdStore::ReadTask(const std::string& id) {
  // One txn, so the two keys come from the same revision.
  json txn = {
      {"compare", json::array()},
      {"success", {OpRange(Key("tasks", id)), OpRange(Key("status", id))}},
  };
  auto reply = client_.Call("/v3/kv/txn", txn);
  if (!reply.ok()) return reply.error();
  std::optional<Task> record;
  if (auto status = RangeResult(*reply, 1)) {
    if (auto parsed = TaskFromRecord(status->value); parsed.ok()) {
      record = std::move(parsed).value();
    }
  }
  auto spec_kv = RangeResult(*reply, 0);
  if (!record && !spec_kv) return std::optional<Task>();
  std::optional<Task> spec;
  std::string spec_error;
  if (spec_kv) {
    SubmitParse parse = ParseSpec(spec_kv->value);
    spec = std::move(parse.task);
    if (!spec) spec_error = parse.error.field + ": " + parse.error.message;
  }
  return std::optional<Task>(ShownTask(id, record, spec, spec_error));
}

// ---------------------------------------------------------------- shutdown

void EtcdStore::Close() {
  int64_t lease = 0;
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (closed_) return;
    closed_ = true;
    stop_cv_.wait_for(lock, options_.request_timeout * 2, [this] {
      return write_order_.empty() && writes_in_flight_ == 0;
    });
    stopping_ = true;
    lease = lease_;
    write_cv_.notify_all();
    claim_cv_.notify_all();
    stop_cv_.notify_all();
  }
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
  std::deque<PendingRead> unanswered;
  {
    std::lock_guard<std::mutex> lock(mu_);
    unanswered.swap(reads_);
  }
  for (PendingRead& read : unanswered) {
    read.done(MakeError("etcd store is closed"));
  }
  // Releases our claims now instead of after the TTL: what is still queued
  // here is taken over by the other instances at once.
  if (lease != 0) (void)client_.LeaseRevoke(lease);
}

}  // namespace staticship::scheduler
