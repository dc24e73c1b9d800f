// Claiming candidates: the transaction at the heart of etcd_store.h's
// protocol, and what its answer means. Per task:
//
//   compare  claims/<id>.create_revision == 0
//            status/<id>.mod_revision == what the view saw (0: none)
//   success  put claims/<id> = instance, on our lease
//   failure  range claims/<id>, range status/<id>
//
// Only one instance wins a task, and never one whose status moved on since
// its view saw it. A task whose spec does not parse is not claimed but
// failed for good, under the same compares: success puts the final status.
// The txns of up to kMaxBatch candidates go in one batch (etcd::BatchTxn),
// so a claim costs one etcd write for the whole batch, and each task is
// still won or lost on its own compares.
#ifndef STATICSHIP_SERVICES_SCHEDULER_ETCD_CLAIMER_H_
#define STATICSHIP_SERVICES_SCHEDULER_ETCD_CLAIMER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/base/backoff.h"
#include "services/scheduler/clock.h"
#include "services/scheduler/etcd_layout.h"
#include "services/scheduler/etcd_txn.h"
#include "services/scheduler/etcd_view.h"
#include "services/scheduler/task.h"

namespace staticship::scheduler {

// The task this instance runs if it wins `seen`: the status record of a
// task taken over from a dead instance (attempts and history go on), else
// the producer's spec as a new task, else (the spec does not parse) a
// final failure to record.
Task AdoptedTask(const std::string& id, const TaskView& seen, int64_t now_ms);

nlohmann::json ClaimTxn(const TaskKeys& keys, const TaskView& seen,
                        const Task& adopted, const std::string& instance,
                        int64_t lease);

struct ClaimAttempt {
  enum class Outcome { kWon, kLost, kUndecided };
  Outcome outcome = Outcome::kUndecided;
  // kWon: the task as this instance now holds it.
  Task adopted;
  // kLost: what beat us, as of `revision` (nullopt: the key is absent).
  int64_t revision = 0;
  std::optional<etcd::KeyValue> claim;
  std::optional<etcd::KeyValue> status;
  // kUndecided: the last error.
  std::string error;
};

// What the claim txn's answer means for a claim made with `lease`. A claim
// whose answer got lost may have been applied: its repeat fails, and the
// failure shows our own lease on claims/<id>, which is a win.
ClaimAttempt ReadClaimReply(const nlohmann::json& reply, int64_t lease,
                            Task adopted);
// The same for each task of a batch, in order; a task whose nested answer
// is missing is undecided.
std::vector<ClaimAttempt> ReadClaimBatchReply(const nlohmann::json& reply,
                                              int64_t lease,
                                              std::vector<Task> adopted);

struct ClaimBatchResult {
  // One per claim, in the order asked.
  std::vector<ClaimAttempt> attempts;
  // Batch txns sent (retries included) and the puts etcd applied.
  uint64_t txns = 0;
  uint64_t writes = 0;
};

class EtcdClaimer {
 public:
  struct Options {
    std::string prefix;
    // Written into claims/<id>.
    std::string instance;
    // How long transient failures are retried before the claim is given
    // up as undecided.
    std::chrono::milliseconds retry_limit{30000};
  };
  struct Deps {
    etcd::TxnCall txn;
    // Waits, unless the store stops: then returns false at once.
    std::function<bool(std::chrono::milliseconds)> sleep;
    RetryDeadline::Now now = std::chrono::steady_clock::now;
    // Timestamps of the adopted task.
    const Clock* wall = nullptr;
  };
  // Retries back off from this to kMaxRetryDelayMs, with full jitter.
  static constexpr int64_t kRetryBaseMs = 50;
  static constexpr int64_t kMaxRetryDelayMs = 1000;
  // Tasks per batch txn: etcd's --max-txn-ops (128) bounds the ops of each
  // branch, and a batch this size stays well under its 1.5 MiB request.
  static constexpr size_t kMaxBatch = 64;

  EtcdClaimer(Options options, Deps deps);

  // Claims each task as the view saw it, with `lease`, in one batch txn
  // (at most kMaxBatch claims). A transient failure repeats the same batch:
  // each nested txn reads a repeat that finds our own claim as a win.
  // Thread-safe: each claimer thread passes its own `rng` for the jitter.
  ClaimBatchResult ClaimBatch(const std::vector<EtcdView::Claim>& claims,
                              int64_t lease, const Backoff::Rng& rng) const;

 private:
  const Options options_;
  const Deps deps_;
};

}  // namespace staticship::scheduler

#endif  // STATICSHIP_SERVICES_SCHEDULER_ETCD_CLAIMER_H_
