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

std::vector<ClaimAttempt> ReadClaimBatchReply(const json& reply, int64_t lease,
                                              std::vector<Task> adopted) {
  std::vector<ClaimAttempt> attempts;
  attempts.reserve(adopted.size());
  for (size_t i = 0; i < adopted.size(); ++i) {
    std::optional<json> answer = etcd::NestedReply(reply, i);
    if (!answer) {
      ClaimAttempt undecided;
      undecided.error = "etcd's answer holds no result for this claim";
      attempts.push_back(std::move(undecided));
      continue;
    }
    attempts.push_back(ReadClaimReply(*answer, lease, std::move(adopted[i])));
  }
  return attempts;
}

EtcdClaimer::EtcdClaimer(Options options, Deps deps)
    : options_(std::move(options)), deps_(std::move(deps)) {}

ClaimBatchResult EtcdClaimer::ClaimBatch(
    const std::vector<EtcdView::Claim>& claims, int64_t lease,
    const Backoff::Rng& rng) const {
  Backoff backoff([&rng] { return rng(); }, kMaxRetryDelayMs);
  const int64_t now_ms = deps_.wall->NowMs();
  std::vector<Task> adopted;
  std::vector<json> txns;
  adopted.reserve(claims.size());
  txns.reserve(claims.size());
  for (const EtcdView::Claim& claim : claims) {
    adopted.push_back(AdoptedTask(claim.id, claim.seen, now_ms));
    txns.push_back(ClaimTxn(KeysOf(options_.prefix, claim.id), claim.seen,
                            adopted.back(), options_.instance, lease));
  }
  const json batch = etcd::BatchTxn(txns);
  ClaimBatchResult result;
  RetryDeadline retry(backoff, kRetryBaseMs, options_.retry_limit, deps_.now);
  for (;;) {
    ++result.txns;
    Result<json> reply = deps_.txn(batch);
    if (reply.ok()) {
      result.writes = etcd::AppliedWrites(batch, *reply);
      result.attempts = ReadClaimBatchReply(*reply, lease, std::move(adopted));
      return result;
    }
    std::optional<std::chrono::milliseconds> delay;
    if (etcd::IsTransient(reply.error())) delay = retry.Next();
    if (!delay || !deps_.sleep(*delay)) {
      ClaimAttempt undecided;
      undecided.error = reply.message();
      result.attempts.assign(claims.size(), undecided);
      return result;
    }
  }
}

}  // namespace staticship::scheduler
