#include "services/scheduler/submit_request.h"

#include <gtest/gtest.h>

namespace staticship::scheduler {
namespace {

bool KnownZone(std::string_view zone) { return zone == "cn-1"; }

SubmitParse Parse(std::string_view body) {
  return ParseSubmitRequest(body, KnownZone);
}

TEST(SubmitRequestTest, AppliesDefaults) {
  auto p = Parse(R"({"zone_id":"cn-1","payload":{"a":[1,2]}})");
  ASSERT_TRUE(p.task.has_value()) << p.error.message;
  EXPECT_EQ(p.task->priority, 5);
  EXPECT_EQ(p.task->timeout_ms, 30000);
  EXPECT_EQ(p.task->max_retries, 15);
  EXPECT_EQ(p.task->backoff_ms, 1000);
  EXPECT_EQ(p.task->payload_json, R"({"a":[1,2]})");
  EXPECT_TRUE(p.task->id.empty());
}

TEST(SubmitRequestTest, TakesEveryField) {
  auto p =
      Parse(R"({"id":"job-1","priority":9,"timeout_ms":50,"zone_id":"cn-1",)"
            R"("max_retries":0,"backoff_ms":7,"payload":"s"})");
  ASSERT_TRUE(p.task.has_value()) << p.error.message;
  EXPECT_EQ(p.task->id, "job-1");
  EXPECT_EQ(p.task->priority, 9);
  EXPECT_EQ(p.task->timeout_ms, 50);
  EXPECT_EQ(p.task->max_retries, 0);
  EXPECT_EQ(p.task->backoff_ms, 7);
  EXPECT_EQ(p.task->payload_json, R"("s")");
}

struct BadCase {
  std::string body;
  std::string field;
};

TEST(SubmitRequestTest, NamesTheBadField) {
  std::vector<BadCase> cases = {
      {"{nope", "body"},
      {"[1,2]", "body"},
      {R"({"payload":1})", "zone_id"},
      {R"({"zone_id":""})", "zone_id"},
      {R"({"zone_id":5})", "zone_id"},
      {R"({"zone_id":"mars"})", "zone_id"},
      {R"({"zone_id":"cn-1","priority":10})", "priority"},
      {R"({"zone_id":"cn-1","priority":-1})", "priority"},
      {R"({"zone_id":"cn-1","priority":"high"})", "priority"},
      {R"({"zone_id":"cn-1","priority":1.5})", "priority"},
      {R"({"zone_id":"cn-1","timeout_ms":0})", "timeout_ms"},
      {R"({"zone_id":"cn-1","max_retries":-2})", "max_retries"},
      {R"({"zone_id":"cn-1","backoff_ms":0})", "backoff_ms"},
      {R"({"zone_id":"cn-1","id":"has space"})", "id"},
      {R"({"zone_id":"cn-1","id":""})", "id"},
      {R"({"zone_id":"cn-1","id":7})", "id"},
  };
  for (const auto& c : cases) {
    auto p = Parse(c.body);
    EXPECT_FALSE(p.task.has_value()) << c.body;
    EXPECT_EQ(p.error.field, c.field) << c.body << ": " << p.error.message;
  }
}

TEST(SubmitRequestTest, RejectsBodiesOverOneMebibyte) {
  std::string big = R"({"zone_id":"cn-1","payload":")" +
                    std::string(kMaxSubmitBodyBytes, 'x') + R"("})";
  auto p = Parse(big);
  EXPECT_FALSE(p.task.has_value());
  EXPECT_EQ(p.error.field, "body");
}

TEST(SubmitRequestTest, ErrorJsonCarriesField) {
  EXPECT_EQ(
      SubmitErrorJson({"priority", "must be between 0 and 9"}),
      R"({"error":"priority must be between 0 and 9","field":"priority"})");
}

}  // namespace
}  // namespace staticship::scheduler
