#include "services/scheduler/etcd_layout.h"

#include <gtest/gtest.h>

namespace staticship::scheduler {
namespace {

TEST(EtcdLayoutTest, KeysOfATask) {
  TaskKeys keys = KeysOf("/s/", "job-1");
  EXPECT_EQ(keys.task, "/s/tasks/job-1");
  EXPECT_EQ(keys.claim, "/s/claims/job-1");
  EXPECT_EQ(keys.status, "/s/status/job-1");
}

TEST(EtcdLayoutTest, ParseTaskKeyReadsBackEveryKeyOfKeysOf) {
  TaskKeys keys = KeysOf("/s/", "a:b.c");
  struct Case {
    std::string key;
    TaskKey kind;
  };
  for (const Case& c :
       {Case{keys.task, TaskKey::kTask}, Case{keys.claim, TaskKey::kClaim},
        Case{keys.status, TaskKey::kStatus}}) {
    auto parsed = ParseTaskKey("/s/", c.key);
    ASSERT_TRUE(parsed) << c.key;
    EXPECT_EQ(parsed->kind, c.kind) << c.key;
    EXPECT_EQ(parsed->id, "a:b.c") << c.key;
  }
  // Everything after the kind's slash is the id.
  EXPECT_EQ(ParseTaskKey("/s/", "/s/tasks/x/y")->id, "x/y");
}

TEST(EtcdLayoutTest, ParseTaskKeyRejectsOtherKeys) {
  for (const char* key : {"/t/tasks/a", "/s/task/a", "/s/leases/a", "/s/tasks/",
                          "/s/tasks", "/s/", "", "/s", "/s/Tasks/a"}) {
    EXPECT_FALSE(ParseTaskKey("/s/", key)) << key;
  }
}

TEST(EtcdLayoutTest, InstanceKeysNameTheLease) {
  EXPECT_EQ(InstanceKey("/p/", 7587862), "/p/instances/7587862");
  EXPECT_EQ(ParseInstanceKey("/p/", "/p/instances/7587862"), 7587862);
  EXPECT_FALSE(ParseInstanceKey("/p/", "/p/instances/"));
  EXPECT_FALSE(ParseInstanceKey("/p/", "/p/instances/12x"));
  EXPECT_FALSE(ParseInstanceKey("/p/", "/p/instances/-3"));
  EXPECT_FALSE(ParseInstanceKey("/p/", "/q/instances/5"));
  EXPECT_FALSE(ParseInstanceKey("/p/", "/p/tasks/instances/5"));
  // Not a task key either, so the task view never mistakes it for one.
  EXPECT_FALSE(ParseTaskKey("/p/", "/p/instances/5"));
}

TEST(EtcdLayoutTest, SpecJsonReadsBackAsTheSameSpec) {
  Task t;
  t.id = "t1";
  t.priority = 8;
  t.timeout_ms = 1234;
  t.zone_id = "eu";
  t.payload_json = R"({"map":"de_dust","n":[1,2]})";
  t.max_retries = 7;
  t.backoff_ms = 250;
  t.attempts = 3;  // not part of the spec
  ParsedSpec parsed = ParseSpec(SpecJson(t), nullptr);
  ASSERT_TRUE(parsed.spec) << parsed.error;
  EXPECT_EQ(parsed.error, "");
  EXPECT_EQ(parsed.spec->id, "t1");
  EXPECT_EQ(parsed.spec->priority, 8);
  EXPECT_EQ(parsed.spec->timeout_ms, 1234);
  EXPECT_EQ(parsed.spec->zone_id, "eu");
  EXPECT_EQ(parsed.spec->payload_json, t.payload_json);
  EXPECT_EQ(parsed.spec->max_retries, 7);
  EXPECT_EQ(parsed.spec->backoff_ms, 250);
  EXPECT_EQ(parsed.spec->attempts, 0);
  EXPECT_EQ(parsed.spec->state, TaskState::kQueued);
}

TEST(EtcdLayoutTest, SpecJsonOfAnUnparseablePayloadSendsNull) {
  Task t;
  t.id = "t2";
  t.zone_id = "eu";
  t.payload_json = "{broken";
  ParsedSpec parsed = ParseSpec(SpecJson(t), nullptr);
  ASSERT_TRUE(parsed.spec);
  EXPECT_EQ(parsed.spec->payload_json, "null");
}

TEST(EtcdLayoutTest, ParseSpecNamesTheBadField) {
  auto known = [](std::string_view zone) { return zone == "eu"; };
  EXPECT_EQ(ParseSpec(R"({"zone_id":"us"})", known).error,
            "zone_id: unknown zone 'us'");
  EXPECT_TRUE(ParseSpec(R"({"zone_id":"us"})", nullptr).spec);
  ParsedSpec bad = ParseSpec(R"({"zone_id":"eu","priority":12})", known);
  EXPECT_FALSE(bad.spec);
  EXPECT_EQ(bad.error, "priority: must be between 0 and 9");
}

TEST(EtcdLayoutTest, ShownTaskPrefersTheRecordThenTheSpec) {
  Task record;
  record.state = TaskState::kRunning;
  record.attempts = 2;
  record.id = "stale";
  Task spec;
  spec.state = TaskState::kDead;  // a spec's state means nothing
  spec.priority = 3;

  Task shown = ShownTask("a", record, spec, "");
  EXPECT_EQ(shown.id, "a");
  EXPECT_EQ(shown.state, TaskState::kRunning);
  EXPECT_EQ(shown.attempts, 2);

  shown = ShownTask("a", std::nullopt, spec, "");
  EXPECT_EQ(shown.state, TaskState::kQueued);
  EXPECT_EQ(shown.priority, 3);

  shown = ShownTask("a", std::nullopt, std::nullopt, "body: invalid JSON");
  EXPECT_EQ(shown.id, "a");
  EXPECT_EQ(shown.state, TaskState::kFailed);
  EXPECT_EQ(shown.last_error, "invalid task in etcd: body: invalid JSON");
}

}  // namespace
}  // namespace staticship::scheduler
