#include "common/trace/chrome_trace.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace staticship::trace {
namespace {

TEST(ChromeTraceTest, WritesCompleteEventsAndThreadNames) {
  TraceRecorder recorder(8);
  ASSERT_TRUE(recorder.Start().ok());
  const int64_t t0 = recorder.StartNs();
  recorder.Complete("gateway", "route", t0 + 1500, t0 + 4000,
                    {"route", "a\"b", "status", 200});
  // Begun 10 s before t0, surely before the trace started: under qemu the
  // trace's start can lead t0 by a millisecond, far more than a few µs.
  recorder.Complete("scheduler", "queue", t0 - 10'000'000'000, t0 + 1000,
                    {"task", "t"});
  Trace trace = recorder.Stop();
  // The trace's start is the recorder's, a little before t0.
  const int64_t lead = t0 - trace.start_ns;
  ASSERT_GE(lead, 0);

  nlohmann::json doc = nlohmann::json::parse(
      ChromeTraceJson(trace, 42, {{7, "http-0"}, {8, "admin\n"}}));
  EXPECT_EQ(doc["otherData"]["recorded_events"], 2);
  EXPECT_EQ(doc["otherData"]["dropped_events"], 0);
  const auto& events = doc["traceEvents"];
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0]["ph"], "M");
  EXPECT_EQ(events[0]["name"], "thread_name");
  EXPECT_EQ(events[0]["tid"], 7);
  EXPECT_EQ(events[0]["args"]["name"], "http-0");
  EXPECT_EQ(events[1]["args"]["name"], "admin\n");

  const auto& route = events[2];
  EXPECT_EQ(route["ph"], "X");
  EXPECT_EQ(route["name"], "route");
  EXPECT_EQ(route["cat"], "gateway");
  EXPECT_EQ(route["pid"], 42);
  EXPECT_DOUBLE_EQ(route["ts"].get<double>(), (lead + 1500) / 1000.0);
  EXPECT_DOUBLE_EQ(route["dur"].get<double>(), 2.5);
  EXPECT_EQ(route["args"]["route"], "a\"b");
  EXPECT_EQ(route["args"]["status"], 200);

  // Begun before the trace: cut at its start.
  const auto& queue = events[3];
  EXPECT_DOUBLE_EQ(queue["ts"].get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(queue["dur"].get<double>(), (1000 + lead) / 1000.0);
  EXPECT_FALSE(queue["args"].contains("status"));
}

TEST(ChromeTraceTest, AnyBytesGiveValidJson) {
  std::string out;
  AppendJsonString(std::string("\x01\xff\\/ok", 6), &out);
  EXPECT_EQ(out, "\"\\u0001\\u00ff\\\\/ok\"");
  EXPECT_TRUE(nlohmann::json::accept(out));
}

TEST(ChromeTraceTest, EmptyTraceIsValid) {
  nlohmann::json doc = nlohmann::json::parse(ChromeTraceJson(Trace{}, 1, {}));
  EXPECT_TRUE(doc["traceEvents"].empty());
}

}  // namespace
}  // namespace staticship::trace
