// The shared task store: etcd v3 through its JSON gateway, so that several
// scheduler instances serve one queue.
//
// Layout under `prefix` (default /staticship/scheduler/):
//   tasks/<id>   the task as producers submit it (POST /v1/tasks body);
//                written by `etcdctl put` or by an instance's POST
//   claims/<id>  the instance dispatching it, attached to that instance's
//                lease: it vanishes when the instance dies
//   status/<id>  the task record (state, attempts, result), written only by
//                the claim holder
//   instances/<lease>  one per live instance, on its lease (its name)
//
// Intake: one watch over the prefix keeps a view of every task and of the
// live instances; a task that exists, is not final and has no claim is a
// candidate. Rendezvous hashing over the live instances' leases gives each
// candidate an owner: an instance claims its own share at once, and helps
// with another live instance's only once one of its tasks has waited
// --etcd-steal-after-ms (that one may be dead, stuck or full), past the 128
// that instance is likely claiming itself (all of them after 10 times that
// wait), so two healthy instances do not race for the same tasks. Claimers take
// up to 64 candidates at a time, in priority order, and claim them in one txn
// with a nested txn per task:
//   claims/<id>.create_revision == 0 && status/<id>.mod_revision == seen
// so only one instance wins a task, and never one whose status moved on.
// The hashing only steers; this compare is what makes a claim exclusive. A
// won task is handed to the core (Adopt) and dispatched there; the core's
// Persist calls write status/<id> only while claims/<id> carries our lease.
// When an instance dies its lease expires, etcd deletes its claims and its
// instances/ key, the watches of the others see the deletes and the tasks
// become candidates again, owned by the survivors (takeover, at-least-once).
//
// Writes are group-committed: the status writes (and the creates of
// POST /v1/tasks) waiting when a writer is free go in one txn, a nested
// txn per task. Only a task's newest state is written, and its `running`
// state waits kRunningHold first, so a fast dispatch writes only its
// outcome; the final status and the release of the claim are one nested
// txn. So a task put by a producer costs etcd its put, a share of a claim
// txn and a share of a status txn (docs/PERFORMANCE.md has the count).
//
// The watch resumes from the last revision + 1 after a reconnect; when etcd
// says that revision is compacted it re-lists the prefix and watches from the
// list's revision (etcd#9386). Claims are compare-and-swap, so re-listing
// can neither lose a task (every open task is in the list) nor double one.
//
// The pieces, each tested on its own:
//   etcd_layout.h         the keys and what their values hold
//   etcd_txn.h            building txns, batches, and reading their answers
//   etcd_lease_session.h  the lease: grant, keep-alive, loss
//   etcd_view.h           the watch's view, the live instances and the
//                         candidates (revisions, rendezvous hashing)
//   etcd_prefix_watch.h   the list/watch/re-list loop that keeps the view
//                         current (the zone source runs it too)
//   etcd_claimer.h        the claim txn and its batches
//   etcd_task_txns.h      the create, status-update and read txns, batched
// This class runs them: the session (which also registers the instance),
// watch, claimer and writer threads, the queue of writes, and one mutex
// over the view. Every retry waits a
// jittered exponential backoff (backoff.h), seeded per instance.
#ifndef STATICSHIP_SERVICES_SCHEDULER_ETCD_STORE_H_
#define STATICSHIP_SERVICES_SCHEDULER_ETCD_STORE_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "common/base/backoff.h"
#include "common/base/random_seed.h"
#include "services/scheduler/clock.h"
#include "services/scheduler/etcd_claimer.h"
#include "services/scheduler/etcd_client.h"
#include "services/scheduler/etcd_lease_session.h"
#include "services/scheduler/etcd_view.h"
#include "services/scheduler/task_store.h"

namespace staticship::scheduler {

struct EtcdStoreOptions {
  std::vector<std::string> endpoints;
  std::string prefix = "/staticship/scheduler/";
  // Written into claims/<id> so operators see who holds a task.
  std::string instance = "scheduler";
  // How long a dead instance's tasks stay claimed.
  int64_t lease_ttl_seconds = 5;
  // Batch txns in flight: writers (which also serve reads) and claimers.
  // Few, so that what waits meanwhile joins one batch instead of many.
  int writers = 2;
  int claimers = 2;
  // How long a task that hashes to another live instance waits before this
  // one helps with that instance's share (EtcdView::Options).
  std::chrono::milliseconds steal_after{500};
  // Claim more only while fewer tasks than this wait in the local queue, so
  // that a busy instance leaves work to the others and priorities stay
  // global.
  size_t claim_window = 200;
  std::chrono::milliseconds request_timeout{3000};
  // How long a status write keeps retrying while etcd is unreachable.
  std::chrono::milliseconds write_retry_limit{30000};
  // How long POST /v1/tasks waits for etcd before answering 503.
  std::chrono::milliseconds create_retry_limit{2000};
  std::function<bool(std::string_view zone)> zone_known;
  std::function<void(const std::string&)> log;
  // Seeds the jitter of every retry and the choice among candidates.
  // Instances must differ, or their retries would stay in step.
  uint64_t seed = RandomSeed();
};

class EtcdStore final : public TaskStore {
 public:
  struct Hooks {
    // Hands a task this instance has claimed to the core.
    std::function<bool(Task)> adopt;
    // Tasks adopted but not dispatched yet (the local backlog).
    std::function<size_t()> backlog;
    // Our lease expired while we held claims: another instance may already
    // dispatch our tasks, so this process must stop dispatching them.
    std::function<void()> lease_lost;
  };
  struct Tallies {
    uint64_t claims_won = 0;
    uint64_t claims_lost = 0;
    uint64_t relists = 0;
    uint64_t watch_reconnects = 0;
    // Requests that may write (txns, and the instance key's puts), and the
    // puts and deletes etcd applied, by what they were for.
    uint64_t claim_txns = 0;
    uint64_t claim_ops = 0;
    uint64_t write_txns = 0;
    uint64_t write_ops = 0;
    uint64_t instance_puts = 0;
    uint64_t instance_ops = 0;
  };
  // How long a `running` status waits for the outcome that replaces it.
  static constexpr std::chrono::milliseconds kRunningHold{20};

  explicit EtcdStore(EtcdStoreOptions options);
  ~EtcdStore() override;

  // Starts the lease session, the watch and the claimers.
  void Start(Hooks hooks);

  // Empty: an instance owns nothing until it claims; every task reaches the
  // core through the watch and a claim.
  Result<std::vector<Task>> Recover() override;
  void Persist(const Task& task, Done done) override;
  // Unavailable while there is no live lease or no watch.
  Status Health() const override;
  // etcd compacts its own history; nothing to do here.
  Status Maintain(const Capture& capture, bool force) override;
  // Drains the writes, stops the threads and revokes the lease so that the
  // tasks still queued here are taken over at once.
  void Close() override;
  // A linearizable read of tasks/<id> and status/<id>, on a store thread:
  // what another instance holds, or what a producer wrote and nobody has
  // claimed yet (queued).
  void Load(const std::string& id, LoadDone done) override;
  // Claims won and lost, re-lists, watch reconnects, txns and ops.
  std::vector<TaskStore::Counter> Counters() const override;
  // From the watch's view: status/<id> when written, else the producer's
  // tasks/<id> as queued. In tasks/<id> creation order.
  std::optional<std::vector<Task>> ListShared() const override;

  int64_t lease() const;
  Tallies tallies() const;

 private:
  using SteadyTime = std::chrono::steady_clock::time_point;
  struct PendingWrite {
    Task task;
    std::vector<Done> dones;
    // Not written before this (kRunningHold), unless closing.
    SteadyTime due;
  };
  struct PendingRead {
    std::string id;
    LoadDone done;
  };

  // Each thread draws its jitter from its own generator (`rng`).
  void SessionLoop();
  void WatchLoop(Backoff::Rng rng);
  void ClaimLoop(Backoff::Rng rng);
  void WriteLoop(Backoff::Rng rng);

  Result<nlohmann::json> Txn(const nlohmann::json& txn);
  Result<std::optional<Task>> ReadTask(const std::string& id);
  // Puts instances/<lease> once per lease; false while that is not done.
  // Unlocks `lock` (on mu_) around the put.
  bool RegisterInstanceLocked(std::unique_lock<std::mutex>& lock,
                              int64_t lease);
  // Under mu_: the due writes of one kind (creates or updates), oldest
  // first; `next_due` gets when the first held one is due.
  std::vector<std::pair<std::string, PendingWrite>> TakeWriteBatchLocked(
      SteadyTime now, std::optional<SteadyTime>* next_due);
  std::vector<Status> WriteBatch(const std::vector<Task>& tasks,
                                 const Backoff::Rng& rng);
  // An error when the batch got no answer; else each task's result.
  Result<std::vector<Status>> WriteBatchOnce(const std::vector<Task>& tasks,
                                             int64_t lease);
  // Under mu_.
  void SetHealthLocked(bool* flag, bool healthy, const std::string& why);
  bool Stopping() const;
  // Sleeps up to `d` unless stopping; returns false when stopping.
  bool SleepUnlessStopping(std::chrono::milliseconds d);
  void Log(const std::string& message) const;

  const EtcdStoreOptions options_;
  etcd::EtcdClient client_;
  const SystemClock wall_clock_;
  Hooks hooks_;

  mutable std::mutex mu_;
  std::condition_variable claim_cv_;
  std::condition_variable write_cv_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  bool closed_ = false;
  bool lease_healthy_ = false;
  bool watch_healthy_ = false;
  std::string last_error_ = "connecting to etcd";

  LeaseSession session_;
  int64_t registered_lease_ = 0;  // under mu_
  bool registering_ = false;      // under mu_
  EtcdView view_;                 // under mu_
  const EtcdClaimer claimer_;

  std::unordered_map<std::string, PendingWrite> pending_writes_;
  std::unordered_set<std::string> writing_;
  std::deque<std::string> write_order_;
  int writes_in_flight_ = 0;
  // Served by the writer threads, before writes: a reader waits on a client.
  std::deque<PendingRead> reads_;

  Tallies tallies_;
  std::vector<std::thread> threads_;
};

}  // namespace staticship::scheduler

#endif  // STATICSHIP_SERVICES_SCHEDULER_ETCD_STORE_H_
