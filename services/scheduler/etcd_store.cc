#include "services/scheduler/etcd_store.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "services/scheduler/etcd_codec.h"
#include "services/scheduler/etcd_layout.h"
#include "services/scheduler/etcd_prefix_watch.h"
#include "services/scheduler/etcd_task_txns.h"
#include "services/scheduler/etcd_txn.h"

namespace staticship::scheduler {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr milliseconds kClaimIdleWait{20};
// After a claim that ended undecided, before the next one.
constexpr milliseconds kClaimErrorPause{100};
// Writes back off like this, with full jitter.
constexpr int64_t kWriteRetryBaseMs = 50;
constexpr int64_t kWriteRetryMaxMs = 1000;

// Generator streams of options.seed, one per thread.
constexpr uint64_t kSessionStream = 0;
constexpr uint64_t kWatchStream = 1;
constexpr uint64_t kFirstWorkerStream = 2;

}  // namespace

EtcdStore::EtcdStore(EtcdStoreOptions options)
    : options_(std::move(options)),
      client_(options_.endpoints, options_.request_timeout),
      session_(
          options_.lease_ttl_seconds,
          {.grant = [this](int64_t ttl) { return client_.LeaseGrant(ttl); },
           .keep_alive =
               [this](int64_t lease) { return client_.LeaseKeepAlive(lease); }},
          {.granted =
               [this](int64_t) {
                 std::lock_guard<std::mutex> lock(mu_);
                 claim_cv_.notify_all();
               },
           .lost =
               [this] {
                 if (hooks_.lease_lost) hooks_.lease_lost();
               },
           .health =
               [this](bool healthy, const std::string& why) {
                 std::lock_guard<std::mutex> lock(mu_);
                 SetHealthLocked(&lease_healthy_, healthy, why);
               }},
          SeededRng(options_.seed, kSessionStream)),
      view_({.prefix = options_.prefix,
             .zone_known = options_.zone_known,
             .our_lease = [this] { return session_.lease(); },
             .on_candidate = [this] { claim_cv_.notify_one(); },
             .now_ms =
                 [] {
                   return std::chrono::duration_cast<milliseconds>(
                              steady_clock::now().time_since_epoch())
                       .count();
                 },
             .steal_after_ms = options_.steal_after.count()}),
      claimer_(
          {.prefix = options_.prefix,
           .instance = options_.instance,
           .retry_limit = options_.write_retry_limit},
          {.txn = [this](const json& txn) { return Txn(txn); },
           .sleep = [this](milliseconds d) { return SleepUnlessStopping(d); },
           .wall = &wall_clock_}) {}

EtcdStore::~EtcdStore() { Close(); }

void EtcdStore::Log(const std::string& message) const {
  if (options_.log) options_.log(message);
}

void EtcdStore::Start(Hooks hooks) {
  hooks_ = std::move(hooks);
  uint64_t stream = kFirstWorkerStream;
  threads_.emplace_back([this] { SessionLoop(); });
  threads_.emplace_back(
      [this, rng = SeededRng(options_.seed, kWatchStream)] { WatchLoop(rng); });
  for (int i = 0; i < options_.claimers; ++i) {
    threads_.emplace_back(
        [this, rng = SeededRng(options_.seed, stream++)] { ClaimLoop(rng); });
  }
  for (int i = 0; i < options_.writers; ++i) {
    threads_.emplace_back(
        [this, rng = SeededRng(options_.seed, stream++)] { WriteLoop(rng); });
  }
}

Result<std::vector<Task>> EtcdStore::Recover() { return std::vector<Task>(); }

Status EtcdStore::Maintain(const Capture&, bool) { return Status::Ok(); }

Status EtcdStore::Health() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (lease_healthy_ && watch_healthy_) return Status::Ok();
  return MakeError("etcd unavailable: " + last_error_);
}

int64_t EtcdStore::lease() const { return session_.lease(); }

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
      {"scheduler_etcd_txns_total",
       "Requests to etcd that may write, by what for (a batch is one)",
       {{"kind", "claim"}},
       c.claim_txns},
      {"scheduler_etcd_txns_total",
       "Requests to etcd that may write, by what for (a batch is one)",
       {{"kind", "status"}},
       c.write_txns},
      {"scheduler_etcd_txns_total",
       "Requests to etcd that may write, by what for (a batch is one)",
       {{"kind", "instance"}},
       c.instance_puts},
      {"scheduler_etcd_ops_total",
       "Puts and deletes etcd applied for this instance, by what for",
       {{"kind", "claim"}},
       c.claim_ops},
      {"scheduler_etcd_ops_total",
       "Puts and deletes etcd applied for this instance, by what for",
       {{"kind", "status"}},
       c.write_ops},
      {"scheduler_etcd_ops_total",
       "Puts and deletes etcd applied for this instance, by what for",
       {{"kind", "instance"}},
       c.instance_ops},
  };
}

std::optional<std::vector<Task>> EtcdStore::ListShared() const {
  std::lock_guard<std::mutex> lock(mu_);
  return view_.List();
}

void EtcdStore::SetHealthLocked(bool* flag, bool healthy,
                                const std::string& why) {
  if (*flag != healthy) {
    Log(healthy ? "etcd: " + why : "etcd unavailable: " + why);
  }
  *flag = healthy;
  if (!healthy) last_error_ = why;
}

bool EtcdStore::Stopping() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stopping_;
}

bool EtcdStore::SleepUnlessStopping(milliseconds d) {
  std::unique_lock<std::mutex> lock(mu_);
  return !stop_cv_.wait_for(lock, d, [this] { return stopping_; });
}

Result<json> EtcdStore::Txn(const json& txn) {
  return client_.Call("/v3/kv/txn", txn);
}

// ---------------------------------------------------------------- session

void EtcdStore::SessionLoop() {
  while (!Stopping()) {
    if (!SleepUnlessStopping(session_.Step())) return;
  }
}

bool EtcdStore::RegisterInstanceLocked(std::unique_lock<std::mutex>& lock,
                                       int64_t lease) {
  if (lease == registered_lease_) return true;
  if (registering_) return false;
  registering_ = true;
  lock.unlock();
  // Until this lands the others hash as if we did not exist, and leave our
  // share to us only after the steal delay: slower, never wrong. Not on the
  // session thread: a slow put must not hold up the keep-alives.
  auto put = client_.Put(InstanceKey(options_.prefix, lease), options_.instance,
                         lease);
  lock.lock();
  registering_ = false;
  ++tallies_.instance_puts;
  if (put.ok()) {
    ++tallies_.instance_ops;
    registered_lease_ = lease;
    return true;
  }
  Log("etcd: registering this instance failed: " + put.message());
  return false;
}

// ------------------------------------------------------------------ watch

void EtcdStore::WatchLoop(Backoff::Rng rng) {
  etcd::RunPrefixWatch(
      {.endpoints = client_.endpoints(),
       .prefix = options_.prefix,
       .connect_timeout = options_.request_timeout,
       .list_first = true,
       .stream_error_prefix = "watch "},
      {.list = [this]() -> Status {
         auto range = client_.RangePrefix(options_.prefix);
         if (!range.ok()) {
           return WithContext(range.error(), "listing " + options_.prefix);
         }
         std::lock_guard<std::mutex> lock(mu_);
         view_.Replace(range->kvs, range->revision);
         ++tallies_.relists;
         return Status::Ok();
       },
       .next_revision =
           [this] {
             std::lock_guard<std::mutex> lock(mu_);
             return view_.next_revision();
           },
       .apply =
           [this](const std::vector<etcd::Event>& events) {
             std::lock_guard<std::mutex> lock(mu_);
             view_.ApplyEvents(events);
           },
       .healthy =
           [this](const std::string& url, int64_t from) {
             std::lock_guard<std::mutex> lock(mu_);
             SetHealthLocked(
                 &watch_healthy_, true,
                 "watching " + url + " from revision " + std::to_string(from));
           },
       .failure =
           [this](const std::string& why) {
             std::lock_guard<std::mutex> lock(mu_);
             SetHealthLocked(&watch_healthy_, false, why);
             ++tallies_.watch_reconnects;
           },
       .compacted =
           [this](const etcd::WatchMessage& message) {
             Log("etcd watch canceled (compacted at " +
                 std::to_string(message.compact_revision) + ", " +
                 message.cancel_reason + "); re-listing " + options_.prefix);
           },
       .sleep = [this](milliseconds d) { return SleepUnlessStopping(d); }},
      std::move(rng));
}

// ------------------------------------------------------------------ claims

void EtcdStore::ClaimLoop(Backoff::Rng rng) {
  using Outcome = ClaimAttempt::Outcome;
  for (;;) {
    size_t backlog = hooks_.backlog ? hooks_.backlog() : 0;
    std::unique_lock<std::mutex> lock(mu_);
    if (stopping_) return;
    const int64_t lease = session_.lease();
    if (lease != 0 && !RegisterInstanceLocked(lock, lease)) {
      // Claims wait for the registration, or our share would be claimed by
      // the others as well once overdue while we claim it too.
      claim_cv_.wait_for(lock, kClaimIdleWait);
      continue;
    }
    if (stopping_) return;
    const size_t busy = backlog + view_.claims_in_flight();
    std::vector<EtcdView::Claim> claims;
    if (lease != 0 && view_.has_candidates() && busy < options_.claim_window) {
      claims = view_.BeginClaims(
          std::min(options_.claim_window - busy, EtcdClaimer::kMaxBatch));
    }
    if (claims.empty()) {
      // Also while the only candidates are another instance's, not overdue.
      claim_cv_.wait_for(lock, kClaimIdleWait);
      continue;
    }
    lock.unlock();

    ClaimBatchResult result = claimer_.ClaimBatch(claims, lease, rng);

    std::vector<Task> won;
    std::string undecided;
    lock.lock();
    tallies_.claim_txns += result.txns;
    tallies_.claim_ops += result.writes;
    for (size_t i = 0; i < claims.size(); ++i) {
      const std::string& id = claims[i].id;
      ClaimAttempt& attempt = result.attempts[i];
      if (attempt.outcome == Outcome::kWon) {
        ++tallies_.claims_won;
        if (!IsFinal(attempt.adopted.state)) won.push_back(attempt.adopted);
      } else if (attempt.outcome == Outcome::kLost) {
        ++tallies_.claims_lost;
        // What beat us, so that the task is not tried again at once.
        view_.Learn(TaskKey::kClaim, id, attempt.claim, attempt.revision);
        view_.Learn(TaskKey::kStatus, id, attempt.status, attempt.revision);
      } else {
        undecided = attempt.error;
      }
      view_.EndClaim(id, attempt.outcome == Outcome::kWon &&
                             !IsFinal(attempt.adopted.state));
    }
    lock.unlock();
    // In claim order: the core keeps FIFO by the order of adoption.
    for (Task& task : won) {
      if (hooks_.adopt && !hooks_.adopt(task)) {
        Log("claimed " + task.id + " but the core already has it");
      }
    }
    if (!undecided.empty()) {
      Log("claims of " + std::to_string(claims.size()) +
          " tasks undecided: " + undecided);
      if (!SleepUnlessStopping(kClaimErrorPause)) return;
    }
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
  // A dispatch that ends within kRunningHold replaces its `running` write
  // with its outcome: one status write per task instead of two.
  SteadyTime due = steady_clock::now();
  if (task.state == TaskState::kRunning) due += kRunningHold;
  // Only the newest state of a task matters; a write queued behind one in
  // flight absorbs later ones (fewer etcd writes, never out of order).
  auto it = pending_writes_.find(task.id);
  if (it != pending_writes_.end()) {
    if (task.version >= it->second.task.version) it->second.task = task;
    it->second.dones.push_back(std::move(done));
    it->second.due = std::min(it->second.due, due);
    write_cv_.notify_one();
    return;
  }
  PendingWrite& write = pending_writes_[task.id];
  write.task = task;
  write.dones.push_back(std::move(done));
  write.due = due;
  if (writing_.count(task.id) == 0) {
    write_order_.push_back(task.id);
    write_cv_.notify_one();
  }
}

std::vector<std::pair<std::string, EtcdStore::PendingWrite>>
EtcdStore::TakeWriteBatchLocked(SteadyTime now,
                                std::optional<SteadyTime>* next_due) {
  std::vector<std::pair<std::string, PendingWrite>> batch;
  std::deque<std::string> rest;
  std::optional<bool> creates;  // the batch's kind, set by its first write
  for (std::string& id : write_order_) {
    auto it = pending_writes_.find(id);
    if (it == pending_writes_.end()) continue;
    const PendingWrite& write = it->second;
    // Closing writes everything at once: Close waits for the drain.
    bool due = closed_ || write.due <= now;
    if (!due && (!*next_due || write.due < **next_due)) *next_due = write.due;
    // Creates answer POST within create_retry_limit and updates retry for
    // write_retry_limit, so the two kinds go in batches of their own.
    bool create = IsCreate(write.task);
    if (!due || batch.size() == EtcdClaimer::kMaxBatch ||
        (creates && *creates != create)) {
      rest.push_back(std::move(id));
      continue;
    }
    creates = create;
    auto node = pending_writes_.extract(it);
    writing_.insert(id);
    batch.emplace_back(std::move(id), std::move(node.mapped()));
  }
  write_order_.swap(rest);
  return batch;
}

void EtcdStore::WriteLoop(Backoff::Rng rng) {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (!reads_.empty() && !stopping_) {
      PendingRead read = std::move(reads_.front());
      reads_.pop_front();
      lock.unlock();
      read.done(ReadTask(read.id));
      lock.lock();
      continue;
    }
    std::optional<SteadyTime> next_due;
    auto batch = TakeWriteBatchLocked(steady_clock::now(), &next_due);
    if (batch.empty()) {
      if (stopping_ && write_order_.empty()) return;  // stopping and drained
      if (next_due) {
        write_cv_.wait_until(lock, *next_due);
      } else {
        write_cv_.wait(lock);
      }
      continue;
    }
    ++writes_in_flight_;
    lock.unlock();

    std::vector<Task> tasks;
    tasks.reserve(batch.size());
    for (const auto& [id, write] : batch) tasks.push_back(write.task);
    std::vector<Status> results = WriteBatch(tasks, rng);

    lock.lock();
    for (const auto& [id, write] : batch) {
      writing_.erase(id);
      if (pending_writes_.count(id) != 0) {
        write_order_.push_back(id);
        write_cv_.notify_one();
      }
    }
    --writes_in_flight_;
    stop_cv_.notify_all();  // Close() waits for the drain
    lock.unlock();
    for (size_t i = 0; i < batch.size(); ++i) {
      for (auto& done : batch[i].second.dones) {
        if (done) done(results[i]);
      }
    }
    lock.lock();
  }
}

std::vector<Status> EtcdStore::WriteBatch(const std::vector<Task>& tasks,
                                          const Backoff::Rng& rng) {
  const bool creates = IsCreate(tasks.front());
  const Backoff backoff([&rng] { return rng(); }, kWriteRetryMaxMs);
  RetryDeadline retry(
      backoff, kWriteRetryBaseMs,
      creates ? options_.create_retry_limit : options_.write_retry_limit);
  for (;;) {
    int64_t lease = session_.lease();
    Result<std::vector<Status>> results =
        lease == 0
            ? Result<std::vector<Status>>(MakeError(
                  ErrorCode::kUnavailable, "[unavailable] no etcd lease"))
            : WriteBatchOnce(tasks, lease);
    if (results.ok()) return std::move(results).value();
    std::optional<milliseconds> delay;
    if (etcd::IsTransient(results.error()) && !Stopping()) {
      delay = retry.Next();
    }
    if (!delay) {
      if (creates) {
        std::lock_guard<std::mutex> lock(mu_);
        for (const Task& task : tasks) view_.Disown(task.id);
      }
      return std::vector<Status>(tasks.size(), Status(results.error()));
    }
    // Not cut short by Close: it waits for the writes to drain first.
    std::this_thread::sleep_for(*delay);
  }
}

Result<std::vector<Status>> EtcdStore::WriteBatchOnce(
    const std::vector<Task>& tasks, int64_t lease) {
  const bool creates = IsCreate(tasks.front());
  if (creates) {
    // Before the txn: the watch may show our claim before we return.
    std::lock_guard<std::mutex> lock(mu_);
    for (const Task& task : tasks) view_.Own(task.id);
  }
  json txn = WriteBatchTxn(options_.prefix, tasks, options_.instance, lease);
  auto reply = Txn(txn);
  std::lock_guard<std::mutex> lock(mu_);
  ++tallies_.write_txns;
  if (!reply.ok()) return reply.error();
  tallies_.write_ops += etcd::AppliedWrites(txn, *reply);
  std::vector<Status> results = ReadWriteBatchReply(*reply, tasks, lease);
  if (creates) {
    for (size_t i = 0; i < tasks.size(); ++i) {
      if (!results[i].ok()) view_.Disown(tasks[i].id);
    }
  }
  return results;
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
  auto reply = Txn(ReadTxn(KeysOf(options_.prefix, id)));
  if (!reply.ok()) return reply.error();
  return ReadTaskReply(*reply, id, options_.zone_known);
}

// ---------------------------------------------------------------- shutdown

void EtcdStore::Close() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (closed_) return;
    closed_ = true;
    write_cv_.notify_all();  // held writes are due now
    stop_cv_.wait_for(lock, options_.request_timeout * 2, [this] {
      return write_order_.empty() && writes_in_flight_ == 0;
    });
    stopping_ = true;
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
  if (int64_t lease = session_.lease(); lease != 0) {
    (void)client_.LeaseRevoke(lease);
  }
}

}  // namespace staticship::scheduler
