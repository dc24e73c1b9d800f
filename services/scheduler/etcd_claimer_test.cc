#include "services/scheduler/etcd_claimer.h"

#include <gtest/gtest.h>

#include <deque>
#include <vector>

#include "services/scheduler/testing/etcd_replies.h"

namespace staticship::scheduler {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using testing::BatchReply;
using testing::RangeResponse;
using testing::TxnReply;
using Outcome = ClaimAttempt::Outcome;

constexpr int64_t kOurLease = 77;

TaskView Seen(std::optional<Task> record = std::nullopt) {
  TaskView seen;
  seen.task.present = true;
  seen.spec.emplace();
  seen.spec->id = "a";
  seen.spec->priority = 7;
  seen.spec->zone_id = "eu";
  seen.spec->state = TaskState::kQueued;
  if (record) {
    seen.status.present = true;
    seen.status.mod_revision = 31;
    seen.record = std::move(record);
  }
  return seen;
}

// What the view holds of task `id` (EtcdView sets the spec's id).
TaskView SeenAs(const std::string& id) {
  TaskView seen = Seen();
  seen.spec->id = id;
  return seen;
}

TaskView SeenUnparseable() {
  TaskView seen;
  seen.task.present = true;
  seen.spec_error = "zone_id: is required";
  return seen;
}

TEST(AdoptedTaskTest, ANewTaskStartsFromItsSpec) {
  Task t = AdoptedTask("a", Seen(), 5000);
  EXPECT_EQ(t.id, "a");
  EXPECT_EQ(t.priority, 7);
  EXPECT_EQ(t.state, TaskState::kQueued);
  EXPECT_EQ(t.attempts, 0);
  EXPECT_EQ(t.version, 1u);
  EXPECT_EQ(t.created_at_ms, 5000);
  EXPECT_EQ(t.updated_at_ms, 5000);
}

TEST(AdoptedTaskTest, ATakenOverTaskKeepsItsRecord) {
  Task record;
  record.id = "a";
  record.state = TaskState::kQueued;
  record.attempts = 2;
  record.version = 6;
  record.created_at_ms = 100;
  record.last_error = "HTTP 500";
  Task t = AdoptedTask("a", Seen(record), 5000);
  EXPECT_EQ(t.attempts, 2);
  EXPECT_EQ(t.version, 6u);
  EXPECT_EQ(t.created_at_ms, 100);
  EXPECT_EQ(t.last_error, "HTTP 500");
}

TEST(AdoptedTaskTest, AFinalRecordIsNotTakenOver) {
  Task record;
  record.state = TaskState::kSucceeded;
  record.attempts = 1;
  record.version = 4;
  Task t = AdoptedTask("a", Seen(record), 5000);
  EXPECT_EQ(t.state, TaskState::kQueued);
  EXPECT_EQ(t.attempts, 0);
  EXPECT_EQ(t.version, 1u);
}

TEST(AdoptedTaskTest, AnUnparseableSpecFailsForGood) {
  Task t = AdoptedTask("a", SeenUnparseable(), 5000);
  EXPECT_EQ(t.id, "a");
  EXPECT_EQ(t.state, TaskState::kFailed);
  EXPECT_EQ(t.last_error, "invalid task in etcd: zone_id: is required");
  EXPECT_EQ(t.version, 1u);
  EXPECT_EQ(t.finished_at_ms, 5000);
}

TEST(ClaimTxnTest, ComparesAndPutsOurClaimOnOurLease) {
  TaskKeys keys = KeysOf("/p/", "a");
  TaskView seen = Seen();
  json txn = ClaimTxn(keys, seen, AdoptedTask("a", seen, 1), "me", kOurLease);
  EXPECT_EQ(txn["compare"], json({etcd::CompareCreate("/p/claims/a", 0),
                                  etcd::CompareMod("/p/status/a", 0)}));
  EXPECT_EQ(txn["success"],
            json::array({etcd::OpPut("/p/claims/a", "me", kOurLease)}));
  EXPECT_EQ(txn["failure"],
            json({etcd::OpRange("/p/claims/a"), etcd::OpRange("/p/status/a")}));
  // Once a status exists, the claim holds only if it has not moved since.
  Task record;
  seen = Seen(record);
  txn = ClaimTxn(keys, seen, AdoptedTask("a", seen, 1), "me", kOurLease);
  EXPECT_EQ(txn["compare"][1], etcd::CompareMod("/p/status/a", 31));
}

TEST(ClaimTxnTest, AnUnparseableSpecWritesItsFailureInsteadOfAClaim) {
  TaskKeys keys = KeysOf("/p/", "a");
  TaskView seen = SeenUnparseable();
  Task failed = AdoptedTask("a", seen, 1);
  json txn = ClaimTxn(keys, seen, failed, "me", kOurLease);
  EXPECT_EQ(txn["success"],
            json::array({etcd::OpPut("/p/status/a", TaskToRecord(failed))}));
  EXPECT_EQ(txn["compare"][0], etcd::CompareCreate("/p/claims/a", 0));
}

TEST(ReadClaimReplyTest, WonWhenTheComparesHeld) {
  Task adopted;
  adopted.id = "a";
  ClaimAttempt a = ReadClaimReply(TxnReply(true, 40), kOurLease, adopted);
  EXPECT_EQ(a.outcome, Outcome::kWon);
  EXPECT_EQ(a.adopted.id, "a");
}

TEST(ReadClaimReplyTest, WonWhenTheClaimFoundIsOnOurLease) {
  // An earlier attempt went through but its answer got lost.
  etcd::KeyValue ours{"/p/claims/a", "me", 39, 39, kOurLease};
  ClaimAttempt a = ReadClaimReply(
      TxnReply(false, 40, {RangeResponse(ours), RangeResponse({})}), kOurLease,
      Task());
  EXPECT_EQ(a.outcome, Outcome::kWon);
}

TEST(ReadClaimReplyTest, LostShowsWhatBeatUsAndWhen) {
  etcd::KeyValue theirs{"/p/claims/a", "other", 39, 39, 5};
  etcd::KeyValue status{"/p/status/a", "rec", 20, 38, 0};
  ClaimAttempt a = ReadClaimReply(
      TxnReply(false, 40, {RangeResponse(theirs), RangeResponse(status)}),
      kOurLease, Task());
  EXPECT_EQ(a.outcome, Outcome::kLost);
  EXPECT_EQ(a.revision, 40);
  ASSERT_TRUE(a.claim);
  EXPECT_EQ(a.claim->lease, 5);
  ASSERT_TRUE(a.status);
  EXPECT_EQ(a.status->mod_revision, 38);
  // The status moved on while nobody holds a claim: lost as well.
  a = ReadClaimReply(
      TxnReply(false, 41, {RangeResponse({}), RangeResponse(status)}),
      kOurLease, Task());
  EXPECT_EQ(a.outcome, Outcome::kLost);
  EXPECT_FALSE(a.claim);
  EXPECT_TRUE(a.status);
}

// What EtcdClient returns for a member that is down or slow.
Error Down(std::string message) {
  return MakeError(ErrorCode::kUnavailable, std::move(message));
}
Error Slow(std::string message) {
  return MakeError(ErrorCode::kDeadlineExceeded, std::move(message));
}

// A scripted etcd and a clock that moves only when the claimer sleeps.
class EtcdClaimerTest : public ::testing::Test {
 protected:
  EtcdClaimer Claimer(milliseconds retry_limit) {
    return EtcdClaimer(
        {.prefix = "/p/", .instance = "me", .retry_limit = retry_limit},
        {.txn = [this](const json& txn) -> Result<json> {
           sent_.push_back(txn);
           if (replies_.empty()) return Slow("[timeout] unscripted");
           Result<json> r = std::move(replies_.front());
           replies_.pop_front();
           return r;
         },
         .sleep =
             [this](milliseconds d) {
               slept_.push_back(d.count());
               now_ += d;
               return !stopping_;
             },
         .now = [this] { return now_; },
         .wall = &wall_});
  }

  // One task, "a", in a batch of its own.
  ClaimAttempt ClaimOne(const EtcdClaimer& claimer) {
    ClaimBatchResult r = claimer.ClaimBatch({{"a", Seen()}}, kOurLease, rng_);
    EXPECT_EQ(r.attempts.size(), 1u);
    return r.attempts.at(0);
  }

  // Full jitter picks random % (ceiling + 1): with 1000 and a 50 ms base,
  // the delays are 31, 91, 196, ...
  const Backoff::Rng rng_ = [] { return uint64_t{1000}; };
  std::deque<Result<json>> replies_;
  std::vector<json> sent_;
  std::vector<int64_t> slept_;
  RetryDeadline::TimePoint now_{};
  bool stopping_ = false;
  FakeClock wall_{5000};
};

TEST_F(EtcdClaimerTest, TransientErrorsAreRetriedWithTheSameTxn) {
  replies_ = {Slow("[timeout] etcd slow"), Down("[refused] member down"),
              BatchReply(40, {TxnReply(true, 0)})};
  ClaimAttempt a = ClaimOne(Claimer(milliseconds(30000)));
  EXPECT_EQ(a.outcome, Outcome::kWon);
  EXPECT_EQ(a.adopted.created_at_ms, 5000);
  EXPECT_EQ(slept_, (std::vector<int64_t>{31, 91}));
  ASSERT_EQ(sent_.size(), 3u);
  EXPECT_EQ(sent_[0], sent_[2]);
  EXPECT_EQ(sent_[0]["success"][0]["request_txn"]["success"][0],
            etcd::OpPut("/p/claims/a", "me", kOurLease));
}

TEST_F(EtcdClaimerTest, GivesUpWhenTheNextWaitWouldEndPastTheLimit) {
  for (int i = 0; i < 10; ++i) replies_.push_back(Slow("[timeout] x"));
  // 31 ms fits in 100; 31 + 91 does not.
  ClaimAttempt a = ClaimOne(Claimer(milliseconds(100)));
  EXPECT_EQ(a.outcome, Outcome::kUndecided);
  EXPECT_EQ(a.error, "[timeout] x");
  EXPECT_EQ(slept_, (std::vector<int64_t>{31}));
  EXPECT_EQ(sent_.size(), 2u);
}

TEST_F(EtcdClaimerTest, APermanentErrorIsNotRetried) {
  replies_ = {MakeError("etcd: permission denied")};
  ClaimAttempt a = ClaimOne(Claimer(milliseconds(30000)));
  EXPECT_EQ(a.outcome, Outcome::kUndecided);
  EXPECT_TRUE(slept_.empty());
}

// The retry decision is the code's: context in front of a transient error
// keeps it retried, and a permanent error whose words read like a timeout
// is not retried.
TEST_F(EtcdClaimerTest, ContextInFrontOfTheMessageKeepsTheDecision) {
  replies_ = {WithContext(Down("[refused] member down"), "etcd txn"),
              WithContext(Slow("[timeout] etcd slow"), "[protocol]"),
              BatchReply(40, {TxnReply(true, 0)})};
  ClaimAttempt won = ClaimOne(Claimer(milliseconds(30000)));
  EXPECT_EQ(won.outcome, Outcome::kWon);
  EXPECT_EQ(sent_.size(), 3u);

  sent_.clear();
  slept_.clear();
  replies_ = {MakeError("[timeout] only in words"),
              BatchReply(40, {TxnReply(true, 0)})};
  ClaimAttempt undecided = ClaimOne(Claimer(milliseconds(30000)));
  EXPECT_EQ(undecided.outcome, Outcome::kUndecided);
  EXPECT_EQ(undecided.error, "[timeout] only in words");
  EXPECT_TRUE(slept_.empty());
  EXPECT_EQ(sent_.size(), 1u);
}

TEST_F(EtcdClaimerTest, StoppingEndsTheRetries) {
  stopping_ = true;
  replies_ = {Slow("[timeout] x"), BatchReply(40, {TxnReply(true, 0)})};
  ClaimAttempt a = ClaimOne(Claimer(milliseconds(30000)));
  EXPECT_EQ(a.outcome, Outcome::kUndecided);
  EXPECT_EQ(sent_.size(), 1u);
}

TEST_F(EtcdClaimerTest, ALostClaimReportsTheWinner) {
  etcd::KeyValue theirs{"/p/claims/a", "other", 39, 39, 5};
  replies_ = {BatchReply(
      40, {TxnReply(false, 0, {RangeResponse(theirs), RangeResponse({})})})};
  ClaimAttempt a = ClaimOne(Claimer(milliseconds(30000)));
  EXPECT_EQ(a.outcome, Outcome::kLost);
  ASSERT_TRUE(a.claim);
  EXPECT_EQ(a.claim->value, "other");
}

TEST_F(EtcdClaimerTest, ABatchClaimsEachTaskOnItsOwnCompares) {
  etcd::KeyValue theirs{"/p/claims/b", "other", 39, 39, 5};
  etcd::KeyValue ours{"/p/claims/c", "me", 38, 38, kOurLease};
  replies_ = {BatchReply(
      40, {TxnReply(true, 0),
           TxnReply(false, 0, {RangeResponse(theirs), RangeResponse({})}),
           TxnReply(false, 0, {RangeResponse(ours), RangeResponse({})})})};
  ClaimBatchResult r =
      Claimer(milliseconds(30000))
          .ClaimBatch({{"a", Seen()}, {"b", SeenAs("b")}, {"c", SeenAs("c")}},
                      kOurLease, rng_);
  ASSERT_EQ(sent_.size(), 1u);
  // One txn without compares, each claim nested with its own.
  EXPECT_EQ(sent_[0]["compare"], json::array());
  ASSERT_EQ(sent_[0]["success"].size(), 3u);
  EXPECT_EQ(sent_[0]["success"][1]["request_txn"]["compare"][0],
            etcd::CompareCreate("/p/claims/b", 0));
  EXPECT_EQ(sent_[0]["success"][2]["request_txn"]["success"][0],
            etcd::OpPut("/p/claims/c", "me", kOurLease));
  ASSERT_EQ(r.attempts.size(), 3u);
  EXPECT_EQ(r.attempts[0].outcome, Outcome::kWon);
  EXPECT_EQ(r.attempts[0].adopted.id, "a");
  EXPECT_EQ(r.attempts[1].outcome, Outcome::kLost);
  EXPECT_EQ(r.attempts[1].revision, 40);
  ASSERT_TRUE(r.attempts[1].claim);
  EXPECT_EQ(r.attempts[1].claim->value, "other");
  // An earlier attempt of ours went through: won, with nothing written now.
  EXPECT_EQ(r.attempts[2].outcome, Outcome::kWon);
  EXPECT_EQ(r.attempts[2].adopted.id, "c");
  EXPECT_EQ(r.txns, 1u);
  EXPECT_EQ(r.writes, 1u);
}

TEST_F(EtcdClaimerTest, AClaimWithoutAnAnswerInTheBatchIsUndecided) {
  replies_ = {BatchReply(40, {TxnReply(true, 0)})};
  ClaimBatchResult r =
      Claimer(milliseconds(30000))
          .ClaimBatch({{"a", Seen()}, {"b", Seen()}}, kOurLease, rng_);
  ASSERT_EQ(r.attempts.size(), 2u);
  EXPECT_EQ(r.attempts[0].outcome, Outcome::kWon);
  EXPECT_EQ(r.attempts[1].outcome, Outcome::kUndecided);
  EXPECT_FALSE(r.attempts[1].error.empty());
}

TEST_F(EtcdClaimerTest, AFailedBatchLeavesEveryClaimUndecided) {
  replies_ = {MakeError("etcd: permission denied")};
  ClaimBatchResult r =
      Claimer(milliseconds(30000))
          .ClaimBatch({{"a", Seen()}, {"b", Seen()}}, kOurLease, rng_);
  ASSERT_EQ(r.attempts.size(), 2u);
  for (const ClaimAttempt& a : r.attempts) {
    EXPECT_EQ(a.outcome, Outcome::kUndecided);
    EXPECT_EQ(a.error, "etcd: permission denied");
  }
  EXPECT_EQ(r.writes, 0u);
}

TEST(ReadClaimBatchReplyTest, ReadsEachNestedAnswerAtTheBatchRevision) {
  etcd::KeyValue status{"/p/status/b", "rec", 20, 38, 0};
  Task a, b;
  a.id = "a";
  b.id = "b";
  auto attempts = ReadClaimBatchReply(
      BatchReply(
          50, {TxnReply(true, 0),
               TxnReply(false, 0, {RangeResponse({}), RangeResponse(status)})}),
      kOurLease, {a, b});
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0].outcome, Outcome::kWon);
  EXPECT_EQ(attempts[1].outcome, Outcome::kLost);
  EXPECT_EQ(attempts[1].revision, 50);
  ASSERT_TRUE(attempts[1].status);
  EXPECT_EQ(attempts[1].status->mod_revision, 38);
}

}  // namespace
}  // namespace staticship::scheduler
