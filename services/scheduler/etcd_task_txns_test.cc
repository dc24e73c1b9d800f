#include "services/scheduler/etcd_task_txns.h"

#include <gtest/gtest.h>

#include "services/scheduler/etcd_txn.h"
#include "services/scheduler/testing/etcd_replies.h"

namespace staticship::scheduler {
namespace {

using nlohmann::json;
using testing::BatchReply;
using testing::RangeResponse;
using testing::TxnReply;

constexpr int64_t kOurLease = 77;

Task NewTask() {
  Task t;
  t.id = "a";
  t.zone_id = "eu";
  t.version = 1;
  return t;
}

Task Running(uint64_t version) {
  Task t = NewTask();
  t.state = TaskState::kRunning;
  t.attempts = 1;
  t.version = version;
  return t;
}

TEST(EtcdTaskTxnsTest, OnlyASubmittedTaskIsACreate) {
  EXPECT_TRUE(IsCreate(NewTask()));
  Task t = NewTask();
  t.version = 2;
  EXPECT_FALSE(IsCreate(t));
  t = NewTask();
  t.attempts = 1;  // adopted from a record
  EXPECT_FALSE(IsCreate(t));
  EXPECT_FALSE(IsCreate(Running(1)));
}

TEST(EtcdTaskTxnsTest, CreateWritesSpecClaimAndStatusIfNoneExists) {
  TaskKeys keys = KeysOf("/p/", "a");
  Task t = NewTask();
  json txn = CreateTxn(keys, t, "me", kOurLease);
  EXPECT_EQ(txn["compare"], json({etcd::CompareCreate("/p/tasks/a", 0),
                                  etcd::CompareCreate("/p/claims/a", 0)}));
  EXPECT_EQ(txn["success"],
            json({etcd::OpPut("/p/tasks/a", SpecJson(t)),
                  etcd::OpPut("/p/claims/a", "me", kOurLease),
                  etcd::OpPut("/p/status/a", TaskToRecord(t))}));
  EXPECT_EQ(txn["failure"],
            json({etcd::OpRange("/p/tasks/a"), etcd::OpRange("/p/claims/a")}));
}

TEST(EtcdTaskTxnsTest, ACreateIsDoneWhenOurEarlierAttemptWentThrough) {
  Task t = NewTask();
  EXPECT_TRUE(ReadCreateReply(TxnReply(true, 9), t, kOurLease).ok());
  etcd::KeyValue spec{"/p/tasks/a", "{}", 8, 8, 0};
  etcd::KeyValue ours{"/p/claims/a", "me", 8, 8, kOurLease};
  EXPECT_TRUE(
      ReadCreateReply(
          TxnReply(false, 9, {RangeResponse(spec), RangeResponse(ours)}), t,
          kOurLease)
          .ok());
}

TEST(EtcdTaskTxnsTest, ACreateOfAnExistingIdSaysSo) {
  Task t = NewTask();
  etcd::KeyValue spec{"/p/tasks/a", "{}", 8, 8, 0};
  etcd::KeyValue theirs{"/p/claims/a", "other", 8, 8, 5};
  Status s = ReadCreateReply(
      TxnReply(false, 9, {RangeResponse(spec), RangeResponse(theirs)}), t,
      kOurLease);
  EXPECT_EQ(s.code(), ErrorCode::kAlreadyExists) << s.message();
  EXPECT_EQ(s.message(), "task id 'a' already exists in etcd");
  // The core decides on the code, so context in front keeps the decision.
  EXPECT_EQ(Status(WithContext(s.error(), "etcd txn")).code(),
            ErrorCode::kAlreadyExists);
  // A producer's tasks/a that nobody claimed yet: exists as well.
  s = ReadCreateReply(
      TxnReply(false, 9, {RangeResponse(spec), RangeResponse({})}), t,
      kOurLease);
  EXPECT_EQ(s.code(), ErrorCode::kAlreadyExists);
}

TEST(EtcdTaskTxnsTest, UpdateWritesOnlyUnderOurLease) {
  TaskKeys keys = KeysOf("/p/", "a");
  Task t = Running(4);
  json txn = UpdateTxn(keys, t, kOurLease);
  EXPECT_EQ(txn["compare"],
            json::array({etcd::CompareLease("/p/claims/a", kOurLease)}));
  EXPECT_EQ(txn["success"],
            json::array({etcd::OpPut("/p/status/a", TaskToRecord(t))}));
  EXPECT_EQ(txn["failure"], json::array({etcd::OpRange("/p/status/a")}));
}

TEST(EtcdTaskTxnsTest, AFinalStatusReleasesTheClaim) {
  Task t = Running(5);
  t.state = TaskState::kSucceeded;
  json txn = UpdateTxn(KeysOf("/p/", "a"), t, kOurLease);
  EXPECT_EQ(txn["success"],
            json::array({etcd::OpPut("/p/status/a", TaskToRecord(t)),
                         etcd::OpDelete("/p/claims/a")}));
}

TEST(EtcdTaskTxnsTest, AnUpdateIsDoneWhenTheStoredVersionIsAsNew) {
  Task t = Running(5);
  EXPECT_TRUE(ReadUpdateReply(TxnReply(true, 9), t).ok());
  for (uint64_t stored : {5u, 6u}) {
    etcd::KeyValue status{"/p/status/a", TaskToRecord(Running(stored)), 3, 8,
                          0};
    EXPECT_TRUE(
        ReadUpdateReply(TxnReply(false, 9, {RangeResponse(status)}), t).ok())
        << stored;
  }
  etcd::KeyValue older{"/p/status/a", TaskToRecord(Running(4)), 3, 8, 0};
  Status s = ReadUpdateReply(TxnReply(false, 9, {RangeResponse(older)}), t);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.message(),
            "claim on 'a' is not ours any more; status not written");
  EXPECT_EQ(s.code(), ErrorCode::kAborted);
  EXPECT_FALSE(
      ReadUpdateReply(TxnReply(false, 9, {RangeResponse({})}), t).ok());
}

TEST(EtcdTaskTxnsTest, ABatchNestsEachTasksCreateOrUpdate) {
  Task created = NewTask();
  Task finished = Running(4);
  finished.id = "b";
  finished.state = TaskState::kSucceeded;
  json batch = WriteBatchTxn("/p/", {created, finished}, "me", 77);
  EXPECT_EQ(batch["compare"], json::array());
  ASSERT_EQ(batch["success"].size(), 2u);
  EXPECT_EQ(batch["success"][0]["request_txn"],
            CreateTxn(KeysOf("/p/", created.id), created, "me", 77));
  EXPECT_EQ(batch["success"][1]["request_txn"],
            UpdateTxn(KeysOf("/p/", "b"), finished, 77));
  // The final status and the claim's release travel in the same nested txn.
  EXPECT_EQ(batch["success"][1]["request_txn"]["success"].size(), 2u);
}

TEST(EtcdTaskTxnsTest, ABatchAnswerIsReadPerTask) {
  Task created = NewTask();
  Task lost = Running(5);
  lost.id = "b";
  Task stale = Running(6);
  stale.id = "c";
  Task newer = stale;
  newer.version = 7;
  etcd::KeyValue stored{"/p/status/c", TaskToRecord(newer), 3, 9, 0};
  std::vector<Status> results = ReadWriteBatchReply(
      BatchReply(12,
                 {TxnReply(true, 0), TxnReply(false, 0, {RangeResponse({})}),
                  TxnReply(false, 0, {RangeResponse(stored)})}),
      {created, lost, stale}, 77);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_TRUE(results[0].ok());
  EXPECT_FALSE(results[1].ok());
  EXPECT_EQ(results[1].code(), ErrorCode::kAborted);
  // An earlier attempt already stored a version as new: done.
  EXPECT_TRUE(results[2].ok());
  // An answer that covers fewer tasks than asked fails the rest.
  results = ReadWriteBatchReply(BatchReply(12, {TxnReply(true, 0)}),
                                {created, lost}, 77);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_TRUE(results[0].ok());
  EXPECT_FALSE(results[1].ok());
}

TEST(EtcdTaskTxnsTest, ReadTakesBothKeysAtOneRevision) {
  json txn = ReadTxn(KeysOf("/p/", "a"));
  EXPECT_EQ(txn["compare"], json::array());
  EXPECT_EQ(txn["success"],
            json({etcd::OpRange("/p/tasks/a"), etcd::OpRange("/p/status/a")}));
}

TEST(EtcdTaskTxnsTest, ReadShowsTheRecordElseTheSpec) {
  etcd::KeyValue spec{"/p/tasks/a", R"({"zone_id":"eu","priority":2})", 3, 3,
                      0};
  etcd::KeyValue status{"/p/status/a", TaskToRecord(Running(4)), 4, 8, 0};
  auto shown = ReadTaskReply(
      TxnReply(true, 9, {RangeResponse(spec), RangeResponse(status)}), "a",
      nullptr);
  ASSERT_TRUE(shown);
  EXPECT_EQ(shown->state, TaskState::kRunning);
  shown =
      ReadTaskReply(TxnReply(true, 9, {RangeResponse(spec), RangeResponse({})}),
                    "a", nullptr);
  ASSERT_TRUE(shown);
  EXPECT_EQ(shown->state, TaskState::kQueued);
  EXPECT_EQ(shown->priority, 2);
  EXPECT_EQ(shown->id, "a");
  // The zone check applies, as to a POST.
  shown =
      ReadTaskReply(TxnReply(true, 9, {RangeResponse(spec), RangeResponse({})}),
                    "a", [](std::string_view) { return false; });
  ASSERT_TRUE(shown);
  EXPECT_EQ(shown->state, TaskState::kFailed);
  EXPECT_EQ(shown->last_error,
            "invalid task in etcd: zone_id: unknown zone 'eu'");
  EXPECT_FALSE(ReadTaskReply(
      TxnReply(true, 9, {RangeResponse({}), RangeResponse({})}), "a", nullptr));
}

}  // namespace
}  // namespace staticship::scheduler
