// What one instance knows of every task under the prefix, from its watch,
// its lists and the answers of its claims, and which tasks it may claim
// next. Pure bookkeeping of revisions: no I/O, no threads, no locks
// (EtcdStore calls it under its mutex).
//
// Every answer about a key comes with the revision it is known at: a watch
// event's mod_revision, a list's or a failed txn's header revision. An
// answer older than the one held is dropped, so that a claim's late reply
// never undoes a newer watch event, whatever order they arrive in.
//
// A task is a candidate while tasks/<id> exists, status/<id> is not final,
// nobody holds claims/<id> (or we do, through an attempt whose answer was
// lost), and this instance neither claims nor runs it. Candidates go in
// priority order, then in tasks/<id> creation order.
//
// The view also tracks the live instances (instances/<lease>, each on its
// instance's lease) and splits the candidates between them by rendezvous
// hashing on the lease ids: each instance claims its own share at once, and
// another live instance's share only once one of its tasks has been a
// candidate for `steal_after_ms` (that instance may be dead, slow or busy).
// When an instance dies its key vanishes with its lease and its share moves to
// the others at once. The split only steers; claims stay transactions.
#ifndef STATICSHIP_SERVICES_SCHEDULER_ETCD_VIEW_H_
#define STATICSHIP_SERVICES_SCHEDULER_ETCD_VIEW_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "services/scheduler/etcd_codec.h"
#include "services/scheduler/etcd_layout.h"
#include "services/scheduler/task.h"

namespace staticship::scheduler {

// What the view knows of one key, and as of which revision.
struct KeyState {
  bool present = false;
  // 0: as of no particular revision, never dropped as older.
  int64_t known_at = 0;
  int64_t mod_revision = 0;
  int64_t create_revision = 0;
  int64_t lease = 0;
  std::string value;
};

// What the view knows of one task.
struct TaskView {
  KeyState task;
  KeyState claim;
  KeyState status;
  std::optional<Task> spec;    // tasks/<id>, parsed; id set
  std::string spec_error;      // why it does not parse
  std::optional<Task> record;  // status/<id>, parsed
};

class EtcdView {
 public:
  struct Options {
    std::string prefix;
    ZoneKnown zone_known;  // empty: every zone
    // The lease this instance holds now (0: none); claims with it are ours.
    std::function<int64_t()> our_lease;
    // A task became a candidate: a claimer may want to wake up.
    std::function<void()> on_candidate;
    // A steady clock in milliseconds, for how long a task has waited.
    std::function<int64_t()> now_ms;
    // How long another live instance's candidate is left to it.
    int64_t steal_after_ms = 500;
  };

  // Two claim batches: what an instance that is behind may have in flight.
  static constexpr size_t kHelpSkip = 128;
  static constexpr int64_t kStuckAfter = 10;

  explicit EtcdView(Options options);

  // A full list of the prefix as of `revision`: it replaces everything the
  // view held, and what it does not show is absent as of `revision`.
  void Replace(const std::vector<etcd::KeyValue>& kvs, int64_t revision);
  // Watch events in order. Keys outside the layout are ignored.
  void ApplyEvents(const std::vector<etcd::Event>& events);
  // Where a watch resumes: one past the last revision listed or watched.
  int64_t next_revision() const { return next_revision_; }
  // What a failed txn showed of one key as of `at` (nullopt: absent), for
  // a task the view still has.
  void Learn(TaskKey kind, const std::string& id,
             const std::optional<etcd::KeyValue>& kv, int64_t at);

  // Claims. Instances see the same candidates in the same order; if every
  // instance took the first, all would race for one task and all but one
  // txn would be wasted. So a claim batch takes up to `max` of our own
  // share in claim order, then fills up, in claim order, with the shares of
  // instances that are behind (a task of theirs overdue), past the first
  // kHelpSkip of each, which that instance is likely claiming right now.
  // An instance whose tasks wait kStuckAfter times as long gets no skip:
  // it may be alive (its lease kept) but not claiming at all.
  struct Claim {
    std::string id;
    TaskView seen;
  };
  std::vector<Claim> BeginClaims(size_t max);
  // `runs_here`: the claim was won and the task is not final.
  void EndClaim(const std::string& id, bool runs_here);
  size_t claims_in_flight() const { return claiming_.size(); }
  bool has_candidates() const { return !candidates_.empty(); }
  // The leases of the live instances, as the watch shows them.
  const std::set<int64_t>& instances() const { return instances_; }

  // Tasks this instance runs (claimed, or created here) stay out of the
  // candidates until the watch shows their final status, or they are
  // disowned. Not from when this instance writes that status: until the
  // watch shows it, the view still has our claim, and a late event for the
  // claim would make the task pass for an orphan of ours.
  void Own(const std::string& id);
  void Disown(const std::string& id);

  // Every task whose tasks/<id> exists, as ShownTask, in creation order.
  std::vector<Task> List() const;
  // For tests: the task's view, and the candidates in claim order.
  const TaskView* Find(const std::string& id) const;
  std::vector<std::string> Candidates() const;

 private:
  // (-priority, tasks/<id> create revision, id): std::set's order is the
  // claim order.
  using CandidateKey = std::tuple<int, int64_t, std::string>;
  struct Slot {
    TaskView view;
    std::optional<CandidateKey> candidate;
    int64_t candidate_since_ms = 0;
  };

  void Apply(const etcd::KeyValue& kv, bool deleted, int64_t at);
  void ApplyKey(TaskKey kind, const std::string& id, KeyState state);
  void Reconsider(const std::string& id);
  int64_t NowMs() const;

  const Options options_;
  std::unordered_map<std::string, Slot> tasks_;
  std::set<CandidateKey> candidates_;
  std::unordered_set<std::string> claiming_;
  std::unordered_set<std::string> owned_;
  std::set<int64_t> instances_;
  int64_t next_revision_ = 0;
};

}  // namespace staticship::scheduler

#endif  // STATICSHIP_SERVICES_SCHEDULER_ETCD_VIEW_H_
