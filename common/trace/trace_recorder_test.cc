#include "common/trace/trace_recorder.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace staticship::trace {
namespace {

TEST(TraceRecorderTest, RecordsNothingWhileNoTraceRuns) {
  TraceRecorder recorder(16);
  EXPECT_FALSE(recorder.active());
  EXPECT_EQ(recorder.StartNs(), 0);
  EXPECT_EQ(StartNs(nullptr), 0);
  recorder.End("c", "ignored", TraceRecorder::NowNs());
  Trace empty = recorder.Stop();
  EXPECT_EQ(empty.size, 0u);
  ASSERT_TRUE(recorder.Start().ok());
  EXPECT_EQ(recorder.Stop().size, 0u);
}

TEST(TraceRecorderTest, RecordsSpansWithTheirArguments) {
  TraceRecorder recorder(16);
  ASSERT_TRUE(recorder.Start().ok());
  int64_t t0 = StartNs(&recorder);
  ASSERT_NE(t0, 0);
  recorder.End("gateway", "route", t0, {"route", "api", "status", 200});
  recorder.Complete("scheduler", "queue", t0, t0 + 5000, {"task", "t1"});
  Trace trace = recorder.Stop();
  EXPECT_FALSE(recorder.active());
  ASSERT_EQ(trace.size, 2u);
  EXPECT_EQ(trace.dropped, 0u);
  const Event& route = trace.events[0];
  EXPECT_STREQ(route.category, "gateway");
  EXPECT_STREQ(route.name, "route");
  EXPECT_EQ(route.start_ns, t0);
  EXPECT_GE(route.duration_ns, 0);
  EXPECT_EQ(std::string(route.text, route.text_size), "api");
  EXPECT_STREQ(route.number_key, "status");
  EXPECT_EQ(route.number, 200);
  EXPECT_GT(route.tid, 0);
  EXPECT_EQ(trace.events[1].duration_ns, 5000);
  EXPECT_EQ(trace.events[1].number_key, nullptr);
  // After Stop: nothing more is recorded.
  recorder.End("gateway", "late", t0);
  EXPECT_EQ(recorder.Stop().size, 0u);
}

TEST(TraceRecorderTest, OneTraceAtATime) {
  TraceRecorder recorder(4);
  ASSERT_TRUE(recorder.Start().ok());
  Status second = recorder.Start();
  EXPECT_EQ(second.code(), ErrorCode::kFailedPrecondition);
  recorder.Stop();
  EXPECT_TRUE(recorder.Start().ok());
  recorder.Stop();
}

TEST(TraceRecorderTest, DropsAndCountsBeyondCapacity) {
  TraceRecorder recorder(10);
  ASSERT_TRUE(recorder.Start().ok());
  for (int i = 0; i < 25; ++i) {
    recorder.End("c", "e", recorder.StartNs(), {nullptr, {}, "i", i});
  }
  Trace trace = recorder.Stop();
  EXPECT_EQ(trace.size, 10u);
  EXPECT_EQ(trace.dropped, 15u);
  EXPECT_EQ(trace.capacity, 10u);
  for (size_t i = 0; i < trace.size; ++i) {
    EXPECT_EQ(trace.events[i].number, static_cast<int64_t>(i));
  }
}

TEST(TraceRecorderTest, LongTextIsCut) {
  TraceRecorder recorder(2);
  ASSERT_TRUE(recorder.Start().ok());
  std::string path(200, 'x');
  recorder.End("c", "e", recorder.StartNs(), {"path", path});
  Trace trace = recorder.Stop();
  ASSERT_EQ(trace.size, 1u);
  EXPECT_EQ(trace.events[0].text_size, Event::kMaxText);
}

TEST(TraceRecorderTest, ConcurrentWritersLoseNothingUnaccounted) {
  TraceRecorder recorder(3000);
  ASSERT_TRUE(recorder.Start().ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&recorder] {
      for (int i = 0; i < 1000; ++i) {
        recorder.End("c", "e", recorder.StartNs());
      }
    });
  }
  for (auto& t : threads) t.join();
  Trace trace = recorder.Stop();
  EXPECT_EQ(trace.size, 3000u);
  EXPECT_EQ(trace.size + trace.dropped, 4000u);
}

TEST(TraceRecorderTest, StopWhileWritersRun) {
  // Writers that keep recording while the trace stops must neither crash
  // nor write into the buffer Stop() handed out.
  TraceRecorder recorder(1 << 12);
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&] {
      while (!done.load()) recorder.End("c", "e", TraceRecorder::NowNs());
    });
  }
  for (int round = 0; round < 50; ++round) {
    ASSERT_TRUE(recorder.Start().ok());
    std::this_thread::yield();
    Trace trace = recorder.Stop();
    EXPECT_LE(trace.size, trace.capacity);
  }
  done.store(true);
  for (auto& t : threads) t.join();
}

}  // namespace
}  // namespace staticship::trace
