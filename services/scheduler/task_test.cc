#include "services/scheduler/task.h"

#include <gtest/gtest.h>

namespace staticship::scheduler {
namespace {

TEST(TaskStateTest, NamesRoundTrip) {
  for (int i = 0; i < kNumTaskStates; ++i) {
    auto state = static_cast<TaskState>(i);
    auto parsed = ParseTaskState(TaskStateName(state));
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(*parsed, state);
  }
  EXPECT_FALSE(ParseTaskState("sleeping").has_value());
}

TEST(TaskStateTest, OnlyQueuedAndRunningAreNotFinal) {
  EXPECT_FALSE(IsFinal(TaskState::kQueued));
  EXPECT_FALSE(IsFinal(TaskState::kRunning));
  EXPECT_TRUE(IsFinal(TaskState::kSucceeded));
  EXPECT_TRUE(IsFinal(TaskState::kFailed));
  EXPECT_TRUE(IsFinal(TaskState::kTimedOut));
  EXPECT_TRUE(IsFinal(TaskState::kDead));
  EXPECT_TRUE(IsFinal(TaskState::kCanceled));
}

TEST(TaskStateTest, TransitionsFollowTheStateMachine) {
  EXPECT_TRUE(IsValidTransition(TaskState::kQueued, TaskState::kRunning));
  EXPECT_TRUE(IsValidTransition(TaskState::kQueued, TaskState::kCanceled));
  EXPECT_FALSE(IsValidTransition(TaskState::kQueued, TaskState::kSucceeded));
  EXPECT_TRUE(IsValidTransition(TaskState::kRunning, TaskState::kQueued));
  EXPECT_TRUE(IsValidTransition(TaskState::kRunning, TaskState::kDead));
  EXPECT_FALSE(IsValidTransition(TaskState::kRunning, TaskState::kCanceled));
  for (int i = 0; i < kNumTaskStates; ++i) {
    auto to = static_cast<TaskState>(i);
    EXPECT_FALSE(IsValidTransition(TaskState::kSucceeded, to));
    EXPECT_FALSE(IsValidTransition(TaskState::kCanceled, to));
  }
}

TEST(TaskRecordTest, RoundTripsEveryField) {
  Task task;
  task.id = "abc";
  task.priority = 7;
  task.timeout_ms = 1234;
  task.zone_id = "cn-1";
  task.payload_json = R"({"k":[1,2]})";
  task.max_retries = 2;
  task.backoff_ms = 50;
  task.state = TaskState::kTimedOut;
  task.attempts = 3;
  task.created_at_ms = 10;
  task.updated_at_ms = 11;
  task.started_at_ms = 12;
  task.finished_at_ms = 13;
  task.not_before_ms = 14;
  task.last_error = "timeout";
  task.response_body = "\xff not utf8";
  task.version = 9;
  task.sequence = 42;
  auto back = TaskFromRecord(TaskToRecord(task));
  ASSERT_TRUE(back.ok()) << back.message();
  EXPECT_EQ(back->id, "abc");
  EXPECT_EQ(back->priority, 7);
  EXPECT_EQ(back->timeout_ms, 1234);
  EXPECT_EQ(back->zone_id, "cn-1");
  EXPECT_EQ(back->payload_json, task.payload_json);
  EXPECT_EQ(back->max_retries, 2);
  EXPECT_EQ(back->backoff_ms, 50);
  EXPECT_EQ(back->state, TaskState::kTimedOut);
  EXPECT_EQ(back->attempts, 3);
  EXPECT_EQ(back->finished_at_ms, 13);
  EXPECT_EQ(back->not_before_ms, 14);
  EXPECT_EQ(back->last_error, "timeout");
  EXPECT_EQ(back->response_body, task.response_body);  // bytes kept as sent
  EXPECT_EQ(back->created_at_ms, 10);
  EXPECT_EQ(back->updated_at_ms, 11);
  EXPECT_EQ(back->started_at_ms, 12);
  EXPECT_EQ(back->version, 9u);
  EXPECT_EQ(back->sequence, 42u);
}

TEST(TaskRecordTest, RejectsGarbage) {
  EXPECT_FALSE(TaskFromRecord("not json").ok());
  EXPECT_FALSE(TaskFromRecord("[1]").ok());
  EXPECT_FALSE(TaskFromRecord(R"({"id":"x"})").ok());
  EXPECT_FALSE(TaskFromRecord("").ok());
}

TEST(TaskRecordTest, RejectsEveryTruncationAndTrailingBytes) {
  Task task;
  task.id = "abc";
  task.payload_json = R"({"n":1})";
  task.response_body = "body";
  task.version = 300;
  std::string record = TaskToRecord(task);
  ASSERT_TRUE(TaskFromRecord(record).ok());
  for (size_t n = 0; n < record.size(); ++n) {
    EXPECT_FALSE(TaskFromRecord(record.substr(0, n)).ok()) << n;
  }
  EXPECT_FALSE(TaskFromRecord(record + "x").ok());
}

TEST(TaskRecordTest, KeepsNegativeAndLargeValues) {
  Task task;
  task.id = "x";
  task.not_before_ms = -5;
  task.created_at_ms = INT64_MAX;
  task.sequence = UINT64_MAX;
  auto back = TaskFromRecord(TaskToRecord(task));
  ASSERT_TRUE(back.ok()) << back.message();
  EXPECT_EQ(back->not_before_ms, -5);
  EXPECT_EQ(back->created_at_ms, INT64_MAX);
  EXPECT_EQ(back->sequence, UINT64_MAX);
}

// Data dirs written before the binary format hold JSON records.
TEST(TaskRecordTest, ReadsJsonRecordsOfEarlierVersions) {
  auto back = TaskFromRecord(
      R"({"id":"old","priority":7,"timeout_ms":1000,"zone_id":"cn-1",)"
      R"("payload":"{\"k\":1}","max_retries":2,"backoff_ms":50,)"
      R"("state":"succeeded","attempts":1,"created_at_ms":10,)"
      R"("updated_at_ms":11,"started_at_ms":12,"finished_at_ms":13,)"
      R"("not_before_ms":0,"last_error":"","response_body":"ok",)"
      R"("version":3,"sequence":4})");
  ASSERT_TRUE(back.ok()) << back.message();
  EXPECT_EQ(back->id, "old");
  EXPECT_EQ(back->payload_json, R"({"k":1})");
  EXPECT_EQ(back->state, TaskState::kSucceeded);
  EXPECT_EQ(back->response_body, "ok");
  EXPECT_EQ(back->version, 3u);
  EXPECT_EQ(back->sequence, 4u);
}

TEST(TaskApiJsonTest, InlinesPayloadAndShowsResponseOnlyOnSuccess) {
  Task task;
  task.id = "a";
  task.payload_json = R"({"x":1})";
  task.response_body = "ok";
  std::string queued = TaskToApiJson(task);
  EXPECT_NE(queued.find(R"("payload":{"x":1})"), std::string::npos) << queued;
  EXPECT_NE(queued.find(R"("state":"queued")"), std::string::npos);
  EXPECT_EQ(queued.find("response"), std::string::npos);
  task.state = TaskState::kSucceeded;
  EXPECT_NE(TaskToApiJson(task).find(R"("response":"ok")"), std::string::npos);
}

}  // namespace
}  // namespace staticship::scheduler
