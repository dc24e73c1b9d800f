#include "services/scheduler/etcd_claimer.h"

#include <nlohmann/json.hpp>
#include <utility>

#include "services/scheduler/etcd_client.h"

namespace staticship::scheduler {

using nlohmann::json;

Task AdoptedTask(const std::string& id, const TaskView& seen, int64_t now_ms) {
  Task t;
  if (!seen.spec) {
    // Nobody can dispatch it; record why, once, as the final state.
    t.id = id;
    t.state = TaskState::kFailed;
    t.last_error = "invalid task in etcd: " + seen.spec_error;
    t.created_at_ms = t.updated_at_ms = t.finished_at_ms = now_ms;
    t.version = 1;
  } else if (seen.record && !IsFinal(seen.record->state)) {
    t = *seen.record;
  } else {
    t = *seen.spec;
    t.state = TaskState::kQueued;
    t.attempts = 0;
    t.created_at_ms = t.updated_at_ms = now_ms;
    t.version = 1;
  }
  return t;
}

json ClaimTxn(const TaskKeys& keys, const TaskView& seen, const Task& adopted,
              const std::string& instance, int64_t lease) {
  json success = json::array();
  if (seen.spec) {
    success.push_back(etcd::OpPut(keys.claim, instance, lease));
  } else {
    success.push_back(etcd::OpPut(keys.status, TaskToRecord(adopted)));
  }
  return {
      {"compare",
       {etcd::CompareCreate(keys.claim, 0),
        etcd::CompareMod(keys.status,
                         seen.status.present ? seen.status.mod_revision : 0)}},
      {"success", success},
      {"failure", {etcd::OpRange(keys.claim), etcd::OpRange(keys.status)}},
  };
}

ClaimAttempt ReadClaimReply(const json& reply, int64_t lease, Task adopted) {
  ClaimAttempt attempt;
  std::optional<etcd::KeyValue> claim;
  if (!etcd::Succeeded(reply)) claim = etcd::RangeResult(reply, 0);
  if (etcd::Succeeded(reply) || (claim && claim->lease == lease)) {
    attempt.outcome = ClaimAttempt::Outcome::kWon;
    attempt.adopted = std::move(adopted);
    return attempt;
  }
  attempt.outcome = ClaimAttempt::Outcome::kLost;
  attempt.revision = etcd::ReplyRevision(reply);
  attempt.claim = std::move(claim);
  attempt.status = etcd::RangeResult(reply, 1);
  return attempt;
}

EtcdClaimer::EtcdClaimer(Options options, Deps deps)
    : options_(std::move(options)), deps_(std::move(deps)) {}

ClaimAttempt EtcdClaimer::Claim(const std::string& id, const TaskView& seen,
                                int64_t lease, const Backoff::Rng& rng) const {
  Backoff backoff([&rng] { return rng(); }, kMaxRetryDelayMs);
  Task adopted = AdoptedTask(id, seen, deps_.wall->NowMs());
  json txn = ClaimTxn(KeysOf(options_.prefix, id), seen, adopted,
                      options_.instance, lease);
  RetryDeadline retry(backoff, kRetryBaseMs, options_.retry_limit, deps_.now);
  for (;;) {
    Result<json> reply = deps_.txn(txn);
    if (reply.ok()) return ReadClaimReply(*reply, lease, std::move(adopted));
    std::optional<std::chrono::milliseconds> delay;
    if (etcd::IsTransient(reply.error())) delay = retry.Next();
    if (!delay || !deps_.sleep(*delay)) {
      ClaimAttempt undecided;
      undecided.error = reply.message();
      return undecided;
    }
  }
}

}  // namespace staticship::scheduler
