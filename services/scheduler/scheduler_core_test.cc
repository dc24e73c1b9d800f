#include "services/scheduler/scheduler_core.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <ostream>
#include <thread>

#include "services/scheduler/testing/memory_store.h"

namespace staticship::scheduler {

// Readable failures: gtest finds this by argument-dependent lookup.
void PrintTo(TaskState state, std::ostream* os) { *os << TaskStateName(state); }

namespace {

using testing::MemoryStore;
using Reply = SchedulerCore::SubmitReply;
using SubmitStatus = SchedulerCore::SubmitStatus;
using CancelReply = SchedulerCore::CancelReply;
using CancelStatus = SchedulerCore::CancelStatus;
using namespace std::chrono_literals;

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

  static Task Spec(std::string id, int priority = 5, std::string zone = "z",
                   int max_retries = 3) {
    Task spec;
    spec.id = std::move(id);
    spec.priority = priority;
    spec.zone_id = std::move(zone);
    spec.max_retries = max_retries;
    // The tests' delays are worked out from a 100 ms base, not from the
    // service's default (retry_policy.h), so a change of default does not
    // change what they check.
    spec.backoff_ms = 100;
    return spec;
  }

  Reply Submit(std::string id, int priority = 5, std::string zone = "z",
               int max_retries = 3) {
    return SubmitSpec(
        Spec(std::move(id), priority, std::move(zone), max_retries));
  }

  Reply SubmitSpec(const Task& spec) {
    std::optional<Reply> reply;
    core_->Submit(spec, [&reply](Reply r) { reply = std::move(r); });
    EXPECT_TRUE(reply.has_value());  // MemoryStore answers inline
    return *reply;
  }

  CancelReply Cancel(const std::string& id) {
    std::optional<CancelReply> reply;
    core_->Cancel(id, [&reply](CancelReply r) { reply = std::move(r); });
    EXPECT_TRUE(reply.has_value());
    return reply.value_or(CancelReply{});
  }

  TaskState StateOf(const std::string& id) { return core_->Get(id)->state; }

  // The outcome of the task's current attempt, as the dispatcher reports it.
  void Complete(const std::string& id, const DispatchOutcome& outcome) {
    auto task = core_->Get(id);
    core_->Complete(id, task ? task->attempts : 0, outcome);
  }

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

// A create whose id another instance wrote first is answered with the stored
// task. The core decides on the store's code alone: context in front of the
// message keeps that answer, and words that only look like a kind do not
// make one.
TEST_F(CoreTest, AnIdCreatedElsewhereIsAnsweredWithTheStoredTask) {
  Task theirs = Spec("taken", 7);
  theirs.state = TaskState::kQueued;
  theirs.version = 1;
  store_.Put(theirs);
  store_.FailWith(WithContext(
      MakeError(ErrorCode::kAlreadyExists, "task id 'taken' already exists"),
      "etcd txn"));
  Reply r = Submit("taken", 3);
  EXPECT_EQ(r.status, SubmitStatus::kExisting) << r.error;
  EXPECT_EQ(r.task.priority, 7);  // theirs, not the submitted one

  Task other = Spec("other", 7);
  other.state = TaskState::kQueued;
  other.version = 1;
  store_.Put(other);
  store_.FailWith(MakeError("[exists] only in words"));
  Reply failed = Submit("other");
  EXPECT_EQ(failed.status, SubmitStatus::kUnavailable);
  EXPECT_EQ(failed.error, "[exists] only in words");
  store_.fail = false;
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
    Complete(t->id, Http(200));
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
  Complete("a", Http(201, "done"));
  auto got = core_->Get("a");
  EXPECT_EQ(got->state, TaskState::kSucceeded);
  EXPECT_EQ(got->response_body, "done");
  EXPECT_NE(got->finished_at_ms, 0);
  EXPECT_EQ(store_.Stored("a")->state, TaskState::kSucceeded);
}

TEST_F(CoreTest, RetentionForgetsOnlyFinishedTasksPastTheCutoff) {
  Submit("old-done");
  Submit("queued");
  auto t = core_->NextDispatch();
  ASSERT_EQ(t->id, "old-done");
  Complete("old-done", Http(200));
  int64_t finished = core_->Get("old-done")->finished_at_ms;
  clock_.Advance(1000);
  Submit("new-done", 1);
  Submit("running", 9);
  ASSERT_EQ(core_->NextDispatch()->id, "running");
  ASSERT_EQ(core_->NextDispatch()->id, "queued");
  Complete("queued", Http(200));
  // Only a final task that finished before the cutoff goes; one that
  // finished at the cutoff, and any unfinished one however old, stay.
  EXPECT_EQ(core_->ForgetFinishedBefore(finished), 0u);
  EXPECT_EQ(core_->ForgetFinishedBefore(finished + 1), 1u);
  EXPECT_FALSE(core_->Get("old-done").has_value());
  EXPECT_TRUE(core_->Get("queued").has_value());
  EXPECT_EQ(core_->ForgetFinishedBefore(clock_.NowMs() + 1), 1u);
  EXPECT_FALSE(core_->Get("queued").has_value());
  EXPECT_EQ(StateOf("new-done"), TaskState::kQueued);
  EXPECT_EQ(StateOf("running"), TaskState::kRunning);
  // Gone from the snapshot and the gauges too, and the id may be used again.
  EXPECT_EQ(core_->Capture().size(), 2u);
  CoreStats stats = core_->Stats();
  EXPECT_EQ(stats.by_state[static_cast<size_t>(TaskState::kSucceeded)], 0u);
  EXPECT_EQ(stats.by_state[static_cast<size_t>(TaskState::kQueued)], 1u);
  EXPECT_EQ(stats.by_state[static_cast<size_t>(TaskState::kRunning)], 1u);
  EXPECT_EQ(Submit("old-done").status, SubmitStatus::kCreated);
}

TEST_F(CoreTest, ClientErrorFailsAtOnce) {
  Submit("a");
  core_->NextDispatch();
  Complete("a", Http(404, "nope"));
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
    Complete("a", Http(503));
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

TEST_F(CoreTest, LateOutcomeOfAnEarlierAttemptChangesNothing) {
  jitter_ = 0;  // retry at once
  Submit("a", 5, "z", /*max_retries=*/2);
  ASSERT_EQ(core_->NextDispatch()->attempts, 1);
  core_->Complete("a", 1, Of(DispatchOutcome::Kind::kTimeout));
  auto second = core_->NextDispatch();
  ASSERT_EQ(second->attempts, 2);
  // The first attempt's game server answers after all: running -> succeeded
  // is a valid edge, so only the attempt number can tell it is stale.
  core_->Complete("a", 1, Http(200, "late"));
  EXPECT_EQ(StateOf("a"), TaskState::kRunning);
  EXPECT_EQ(core_->Get("a")->response_body, "");
  EXPECT_EQ(core_->Stats().invalid_transitions_total, 1u);
  EXPECT_EQ(core_->Stats().in_flight, 1);
  core_->Complete("a", 2, Http(200, "current"));
  EXPECT_EQ(StateOf("a"), TaskState::kSucceeded);
  EXPECT_EQ(core_->Get("a")->response_body, "current");
  EXPECT_EQ(core_->Stats().in_flight, 0);
}

TEST_F(CoreTest, TimeoutsRetryAndEndTimedOut) {
  Submit("a", 5, "z", /*max_retries=*/1);
  core_->NextDispatch();
  Complete("a", Of(DispatchOutcome::Kind::kTimeout));
  EXPECT_EQ(StateOf("a"), TaskState::kQueued);
  clock_.Advance(1000);
  core_->NextDispatch();
  Complete("a", Of(DispatchOutcome::Kind::kTimeout));
  EXPECT_EQ(StateOf("a"), TaskState::kTimedOut);
  EXPECT_EQ(core_->Stats().timeouts_total, 2u);
}

TEST_F(CoreTest, ConnectErrorsEndDead) {
  Submit("a", 5, "z", /*max_retries=*/0);
  core_->NextDispatch();
  Complete("a", Of(DispatchOutcome::Kind::kConnectError));
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
  Complete("a", Http(200));
  core_->StopDispatch();
  EXPECT_FALSE(core_->NextDispatch().has_value());  // b never dispatched
  EXPECT_EQ(StateOf("b"), TaskState::kCanceled);
}

TEST_F(CoreTest, CancelRemovesTaskWaitingForBackoff) {
  Submit("a");
  core_->NextDispatch();
  Complete("a", Http(500));
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
  // f3's zone has room, so only the worker limit holds it back: a worker
  // asking now must wait for a slot, and the core counts it as waiting.
  std::atomic<bool> returned{false};
  std::optional<Task> next;
  std::thread worker([&] {
    next = core_->NextDispatch();
    returned = true;
  });
  for (auto limit = std::chrono::steady_clock::now() + 10s;
       !returned && core_->Stats().waiting_workers == 0 &&
       std::chrono::steady_clock::now() < limit;) {
    std::this_thread::yield();
  }
  EXPECT_FALSE(returned) << "a 4th dispatch started with 3 workers";
  EXPECT_EQ(core_->Stats().waiting_workers, 1);
  EXPECT_EQ(core_->Stats().in_flight, 3);
  Complete("f1", Http(200));
  worker.join();
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->id, "f3");
  Complete("s1", Http(200));
  EXPECT_EQ(core_->NextDispatch()->id, "s2");
}

TEST_F(CoreTest, RecoveryRequeuesRunningTasksAndKeepsFinishedOnes) {
  Submit("done");
  Submit("running");
  Submit("waiting");
  core_->NextDispatch();
  Complete("done", Http(200, "r"));
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

TEST_F(CoreTest, RetryDelayFollowsTheTasksBackoffMs) {
  // With the jitter source fixed the delay is jitter % (ceiling + 1), a
  // distinct value for each ceiling: 1500 % 1001 = 499 for backoff_ms 1000,
  // then 1500 % 2001 = 1500 once it doubles, where the default 100 ms base
  // gives 1500 % 101 = 86 and 1500 % 201 = 93. At 8000 ms the second
  // ceiling is the 10 s cap, not 16000: 15000 % 10001 = 4999.
  struct Case {
    int64_t backoff_ms;
    uint64_t jitter;
    std::vector<int64_t> delays;
  };
  for (const Case& c : std::vector<Case>{{1000, 1500, {499, 1500}},
                                         {100, 1500, {86, 93}},
                                         {8000, 15000, {6999, 4999}}}) {
    jitter_ = c.jitter;
    std::string id = "backoff-" + std::to_string(c.backoff_ms);
    Task spec = Spec(id);
    spec.backoff_ms = c.backoff_ms;
    ASSERT_EQ(SubmitSpec(spec).status, SubmitStatus::kCreated);
    for (int64_t expected : c.delays) {
      auto t = core_->NextDispatch();
      ASSERT_TRUE(t.has_value());
      ASSERT_EQ(t->id, id);
      Complete(id, Http(503));
      auto queued = core_->Get(id);
      ASSERT_EQ(queued->state, TaskState::kQueued);
      EXPECT_EQ(queued->not_before_ms - clock_.NowMs(), expected)
          << "backoff_ms " << c.backoff_ms << ", attempt " << t->attempts;
      clock_.Advance(expected);
    }
    Cancel(id);  // out of the way of the next case
  }
}

TEST_F(CoreTest, OutcomeForATaskThatIsNotRunningChangesNothing) {
  Submit("done");
  Submit("dropped");
  Submit("waiting");
  ASSERT_EQ(core_->NextDispatch()->id, "done");
  Complete("done", Http(200, "first"));
  ASSERT_EQ(Cancel("dropped").status, CancelStatus::kCanceled);
  Task done_before = *core_->Get("done");
  int writes = store_.writes();

  // A duplicate outcome of a finished dispatch, an outcome for a canceled
  // task and one for a task that was never dispatched.
  Complete("done", Http(503));
  Complete("dropped", Http(200, "late"));
  Complete("waiting", Of(DispatchOutcome::Kind::kTimeout));

  auto done = core_->Get("done");
  EXPECT_EQ(done->state, TaskState::kSucceeded);
  EXPECT_EQ(done->response_body, "first");
  EXPECT_EQ(done->version, done_before.version);
  EXPECT_EQ(done->attempts, 1);
  EXPECT_EQ(StateOf("dropped"), TaskState::kCanceled);
  EXPECT_TRUE(core_->Get("dropped")->response_body.empty());
  EXPECT_EQ(StateOf("waiting"), TaskState::kQueued);
  EXPECT_EQ(store_.writes(), writes);  // nothing was persisted either
  CoreStats s = core_->Stats();
  EXPECT_EQ(s.invalid_transitions_total, 3u);
  EXPECT_EQ(s.in_flight, 0);
  EXPECT_EQ(s.retries_total, 0u);
  EXPECT_EQ(s.timeouts_total, 0u);
  EXPECT_EQ(s.waiting_backoff, 0u);
  EXPECT_EQ(s.dispatch_seconds.count, 1u);
  EXPECT_EQ(s.by_state[static_cast<size_t>(TaskState::kSucceeded)], 1u);
  EXPECT_EQ(s.by_state[static_cast<size_t>(TaskState::kCanceled)], 1u);
  EXPECT_EQ(s.by_state[static_cast<size_t>(TaskState::kQueued)], 1u);
  // The queued task still runs normally.
  auto next = core_->NextDispatch();
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->id, "waiting");
  EXPECT_EQ(next->attempts, 1);
}

TEST_F(CoreTest, CancelThatIsNotDurableLeavesTheTaskQueued) {
  jitter_ = 50;  // "backoff" waits 50 % 101 = 50 ms before its retry
  Submit("backoff");
  Submit("ready");
  ASSERT_EQ(core_->NextDispatch()->id, "backoff");
  Complete("backoff", Http(500));
  ASSERT_EQ(core_->Stats().waiting_backoff, 1u);

  store_.fail = true;
  for (const char* id : {"backoff", "ready"}) {
    CancelReply r = Cancel(id);
    EXPECT_EQ(r.status, CancelStatus::kUnavailable) << id;
    EXPECT_EQ(r.task.state, TaskState::kQueued) << id;
    EXPECT_EQ(StateOf(id), TaskState::kQueued) << id;
  }
  CoreStats s = core_->Stats();
  EXPECT_EQ(s.by_state[static_cast<size_t>(TaskState::kQueued)], 2u);
  EXPECT_EQ(s.by_state[static_cast<size_t>(TaskState::kCanceled)], 0u);
  EXPECT_EQ(s.store_errors_total, 2u);
  EXPECT_EQ(s.waiting_backoff, 1u);
  EXPECT_EQ(s.ready_by_priority[5], 1u);

  // Both still run, each from where it was.
  store_.fail = false;
  EXPECT_EQ(core_->NextDispatch()->id, "ready");
  clock_.Advance(50);
  EXPECT_EQ(core_->NextDispatch()->id, "backoff");
}

TEST_F(CoreTest, CancelTakesEffectOnlyOnceDurable) {
  Submit("a");
  Submit("b");
  store_.hold = true;
  std::vector<CancelReply> replies;
  auto keep = [&replies](CancelReply r) { replies.push_back(std::move(r)); };
  core_->Cancel("a", keep);
  core_->Cancel("a", keep);  // a second DELETE while the first is written
  EXPECT_TRUE(replies.empty());
  EXPECT_EQ(StateOf("a"), TaskState::kQueued);
  // Not dispatched meanwhile: a cancel that becomes durable must win.
  auto next = core_->NextDispatch();
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->id, "b");

  store_.hold = false;
  store_.Release();
  ASSERT_EQ(replies.size(), 2u);
  for (const CancelReply& r : replies) {
    EXPECT_EQ(r.status, CancelStatus::kCanceled);
    EXPECT_EQ(r.task.state, TaskState::kCanceled);
  }
  EXPECT_EQ(StateOf("a"), TaskState::kCanceled);
  EXPECT_EQ(store_.Stored("a")->state, TaskState::kCanceled);
  EXPECT_EQ(store_.Stored("a")->version, core_->Get("a")->version);
  EXPECT_EQ(Cancel("a").status, CancelStatus::kConflict);
}

}  // namespace
}  // namespace staticship::scheduler
