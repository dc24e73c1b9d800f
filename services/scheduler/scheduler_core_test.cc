#include "services/scheduler/scheduler_core.h"

#include <gtest/gtest.h>

#include "services/scheduler/testing/memory_store.h"

namespace staticship::scheduler {
namespace {

using testing::MemoryStore;
using Reply = SchedulerCore::SubmitReply;
using SubmitStatus = SchedulerCore::SubmitStatus;

DispatchOutcome Http(int status, std::string body = "") {
  DispatchOutcome o;
  o.kind = DispatchOutcome::Kind::kResponse;
  o.status = status;
  o.body = std::move(body);
  return o;
}

DispatchOutcome Of(DispatchOutcome::Kind kind) {
  DispatchOutcome o;
  o.kind = kind;
  o.error = "boom";
  return o;
}

class CoreTest : public ::testing::Test {
 protected:
  explicit CoreTest(int workers = 4, uint64_t jitter = ~uint64_t{0})
      : jitter_(jitter) {
    Reset(workers);
  }

  void Reset(int workers, std::function<int(std::string_view)> cap = nullptr) {
    CoreOptions o;
    o.workers = workers;
    o.zone_cap = std::move(cap);
    o.id_rng = [n = uint64_t{0}]() mutable { return ++n; };
    core_ = std::make_unique<SchedulerCore>(
        &store_, &clock_, Backoff([this] { return jitter_; }), o);
    ASSERT_TRUE(core_->Recover().ok());
  }

  Reply Submit(std::string id, int priority = 5, std::string zone = "z",
               int max_retries = 3) {
    Task spec;
    spec.id = std::move(id);
    spec.priority = priority;
    spec.zone_id = std::move(zone);
    spec.max_retries = max_retries;
    std::optional<Reply> reply;
    core_->Submit(spec, [&reply](Reply r) { reply = std::move(r); });
    EXPECT_TRUE(reply.has_value());  // MemoryStore answers inline
    return *reply;
  }

  TaskState StateOf(const std::string& id) { return core_->Get(id)->state; }

  MemoryStore store_;
  FakeClock clock_;
  uint64_t jitter_;
  std::unique_ptr<SchedulerCore> core_;
};

TEST_F(CoreTest, SubmitIsDurableBeforeAcknowledgedAndIdempotent) {
  Reply r = Submit("job-1");
  EXPECT_EQ(r.status, SubmitStatus::kCreated);
  EXPECT_EQ(r.task.state, TaskState::kQueued);
  ASSERT_TRUE(store_.Stored("job-1").has_value());
  int writes = store_.writes();
  Reply again = Submit("job-1", 9);
  EXPECT_EQ(again.status, SubmitStatus::kExisting);
  EXPECT_EQ(again.task.priority, 5);  // the original, not the re-post
  EXPECT_EQ(store_.writes(), writes);
  EXPECT_EQ(core_->List(std::nullopt, 100).size(), 1u);
}

TEST_F(CoreTest, GeneratesUniqueIds) {
  Reply a = Submit("");
  Reply b = Submit("");
  EXPECT_FALSE(a.task.id.empty());
  EXPECT_NE(a.task.id, b.task.id);
}

TEST_F(CoreTest, StoreFailureAcknowledgesNothingAndReadsStillWork) {
  ASSERT_EQ(Submit("kept").status, SubmitStatus::kCreated);
  store_.fail = true;
  Reply r = Submit("lost");
  EXPECT_EQ(r.status, SubmitStatus::kUnavailable);
  EXPECT_FALSE(core_->Get("lost").has_value());
  EXPECT_TRUE(core_->Get("kept").has_value());
  EXPECT_EQ(core_->Stats().store_errors_total, 1u);
  store_.fail = false;
  EXPECT_EQ(Submit("lost").status, SubmitStatus::kCreated);  // retry works
}

TEST_F(CoreTest, StrictPriorityThenFifo) {
  Submit("low-1", 1);
  Submit("mid-1", 5);
  Submit("high-1", 9);
  Submit("low-2", 1);
  Submit("high-2", 9);
  std::vector<std::string> order;
  for (int i = 0; i < 5; ++i) {
    auto t = core_->NextDispatch();
    ASSERT_TRUE(t.has_value());
    order.push_back(t->id);
    core_->Complete(t->id, Http(200));
  }
  EXPECT_EQ(order, (std::vector<std::string>{"high-1", "high-2", "mid-1",
                                             "low-1", "low-2"}));
}

TEST_F(CoreTest, SuccessStoresTheResponse) {
  Submit("a");
  auto t = core_->NextDispatch();
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->state, TaskState::kRunning);
  EXPECT_EQ(t->attempts, 1);
  EXPECT_EQ(store_.Stored("a")->state, TaskState::kRunning);
  core_->Complete("a", Http(201, "done"));
  auto got = core_->Get("a");
  EXPECT_EQ(got->state, TaskState::kSucceeded);
  EXPECT_EQ(got->response_body, "done");
  EXPECT_NE(got->finished_at_ms, 0);
  EXPECT_EQ(store_.Stored("a")->state, TaskState::kSucceeded);
}

TEST_F(CoreTest, ClientErrorFailsAtOnce) {
  Submit("a");
  core_->NextDispatch();
  core_->Complete("a", Http(404, "nope"));
  EXPECT_EQ(StateOf("a"), TaskState::kFailed);
  EXPECT_NE(core_->Get("a")->last_error.find("HTTP 404"), std::string::npos);
  EXPECT_EQ(core_->Stats().retries_total, 0u);
}

TEST_F(CoreTest, ServerErrorsRetryWithBackoffThenDead) {
  jitter_ = 150;  // delay = 150 % (ceiling + 1): 150 % 101, then 150 % 201
  Submit("a", 5, "z", /*max_retries=*/2);
  for (int attempt = 1; attempt <= 3; ++attempt) {
    auto t = core_->NextDispatch();
    ASSERT_TRUE(t.has_value());
    EXPECT_EQ(t->attempts, attempt);
    core_->Complete("a", Http(503));
    if (attempt == 3) break;
    auto queued = core_->Get("a");
    EXPECT_EQ(queued->state, TaskState::kQueued);
    int64_t expected = attempt == 1 ? 49 : 150;
    EXPECT_EQ(queued->not_before_ms, clock_.NowMs() + expected);
    clock_.Advance(expected - 1);
    core_->PromoteDue();
    EXPECT_EQ(core_->Stats().waiting_backoff, 1u);  // not yet
    clock_.Advance(1);
  }
  EXPECT_EQ(StateOf("a"), TaskState::kDead);
  EXPECT_EQ(core_->Stats().retries_total, 2u);
  EXPECT_EQ(core_->List(TaskState::kDead, 10).size(), 1u);
}

TEST_F(CoreTest, TimeoutsRetryAndEndTimedOut) {
  Submit("a", 5, "z", /*max_retries=*/1);
  core_->NextDispatch();
  core_->Complete("a", Of(DispatchOutcome::Kind::kTimeout));
  EXPECT_EQ(StateOf("a"), TaskState::kQueued);
  clock_.Advance(1000);
  core_->NextDispatch();
  core_->Complete("a", Of(DispatchOutcome::Kind::kTimeout));
  EXPECT_EQ(StateOf("a"), TaskState::kTimedOut);
  EXPECT_EQ(core_->Stats().timeouts_total, 2u);
}

TEST_F(CoreTest, ConnectErrorsEndDead) {
  Submit("a", 5, "z", /*max_retries=*/0);
  core_->NextDispatch();
  core_->Complete("a", Of(DispatchOutcome::Kind::kConnectError));
  EXPECT_EQ(StateOf("a"), TaskState::kDead);
}

TEST_F(CoreTest, CancelOnlyQueuedTasks) {
  Submit("a");
  Submit("b");
  auto t = core_->NextDispatch();
  ASSERT_EQ(t->id, "a");
  std::optional<SchedulerCore::CancelReply> reply;
  auto keep = [&reply](SchedulerCore::CancelReply r) { reply = std::move(r); };
  core_->Cancel("a", keep);
  EXPECT_EQ(reply->status, SchedulerCore::CancelStatus::kConflict);
  core_->Cancel("b", keep);
  EXPECT_EQ(reply->status, SchedulerCore::CancelStatus::kCanceled);
  EXPECT_EQ(store_.Stored("b")->state, TaskState::kCanceled);
  core_->Cancel("nope", keep);
  EXPECT_EQ(reply->status, SchedulerCore::CancelStatus::kNotFound);
  core_->Complete("a", Http(200));
  core_->StopDispatch();
  EXPECT_FALSE(core_->NextDispatch().has_value());  // b never dispatched
  EXPECT_EQ(StateOf("b"), TaskState::kCanceled);
}

TEST_F(CoreTest, CancelRemovesTaskWaitingForBackoff) {
  Submit("a");
  core_->NextDispatch();
  core_->Complete("a", Http(500));
  std::optional<SchedulerCore::CancelReply> reply;
  core_->Cancel("a", [&reply](SchedulerCore::CancelReply r) { reply = r; });
  EXPECT_EQ(reply->status, SchedulerCore::CancelStatus::kCanceled);
  EXPECT_EQ(core_->Stats().waiting_backoff, 0u);
}

TEST_F(CoreTest, WorkerAndZoneCapsBoundInFlight) {
  Reset(3, [](std::string_view zone) { return zone == "slow" ? 1 : 3; });
  Submit("s1", 9, "slow");
  Submit("s2", 9, "slow");
  Submit("f1", 1, "fast");
  Submit("f2", 1, "fast");
  Submit("f3", 1, "fast");
  std::vector<std::string> got;
  for (int i = 0; i < 3; ++i) got.push_back(core_->NextDispatch()->id);
  // The slow zone's second task must wait for its first; the fast zone
  // fills the remaining workers.
  EXPECT_EQ(got, (std::vector<std::string>{"s1", "f1", "f2"}));
  EXPECT_EQ(core_->Stats().in_flight, 3);
  core_->Complete("f1", Http(200));
  EXPECT_EQ(core_->NextDispatch()->id, "f3");
  core_->Complete("s1", Http(200));
  EXPECT_EQ(core_->NextDispatch()->id, "s2");
}

TEST_F(CoreTest, RecoveryRequeuesRunningTasksAndKeepsFinishedOnes) {
  Submit("done");
  Submit("running");
  Submit("waiting");
  core_->NextDispatch();
  core_->Complete("done", Http(200, "r"));
  auto t = core_->NextDispatch();
  ASSERT_EQ(t->id, "running");
  // "Crash": a new core over the same store.
  Reset(4);
  EXPECT_EQ(StateOf("done"), TaskState::kSucceeded);
  EXPECT_EQ(core_->Get("done")->response_body, "r");
  EXPECT_EQ(StateOf("running"), TaskState::kQueued);
  auto again = core_->NextDispatch();
  EXPECT_EQ(again->id, "running");  // original order kept
  EXPECT_EQ(again->attempts, 2);
  EXPECT_EQ(core_->NextDispatch()->id, "waiting");
  EXPECT_EQ(Submit("new").task.sequence, 4u);
}

TEST_F(CoreTest, StopIntakeRefusesSubmissions) {
  core_->StopIntake();
  EXPECT_EQ(Submit("a").status, SubmitStatus::kClosed);
}

TEST_F(CoreTest, StatsCountStatesAndDepth) {
  Submit("a", 9);
  Submit("b", 2);
  Submit("c", 2);
  auto s = core_->Stats();
  EXPECT_EQ(s.by_state[static_cast<size_t>(TaskState::kQueued)], 3u);
  EXPECT_EQ(s.ready_by_priority[9], 1u);
  EXPECT_EQ(s.ready_by_priority[2], 2u);
  core_->NextDispatch();
  s = core_->Stats();
  EXPECT_EQ(s.by_state[static_cast<size_t>(TaskState::kRunning)], 1u);
  EXPECT_EQ(s.queue_wait_seconds.count, 1u);
  EXPECT_EQ(s.in_flight, 1);
}

}  // namespace
}  // namespace staticship::scheduler
