#include "services/gateway/circuit_breaker.h"

#include <gtest/gtest.h>

namespace staticship::gateway {
namespace {

using namespace std::chrono_literals;
using State = CircuitBreaker::State;

class FakeClock {
 public:
  CircuitBreaker::NowFn fn() {
    return [this] { return now_; };
  }
  void Advance(CircuitBreaker::Clock::duration d) { now_ += d; }

 private:
  CircuitBreaker::Clock::time_point now_{std::chrono::hours(1000)};
};

BreakerConfig Config() {
  BreakerConfig c;
  c.error_ratio = 0.5;
  c.window = 10s;
  c.min_requests = 4;
  c.open_for = 5s;
  c.half_open_probes = 1;
  return c;
}

void Complete(CircuitBreaker& b, bool success) {
  auto t = b.Allow();
  ASSERT_TRUE(t.allowed);
  b.Record(t, success);
}

// A request the breaker turns away: the gateway answers it (fallback or 503)
// without reaching the upstream and without calling Record. It is recorded
// here anyway as the failure the client saw, so the breaker must ignore it
// whichever way a caller finishes it.
void Reject(CircuitBreaker& b) {
  auto t = b.Allow();
  ASSERT_FALSE(t.allowed);
  b.Record(t, /*success=*/false);
}

TEST(CircuitBreakerTest, OpensOnlyAfterMinRequestsAndRatio) {
  FakeClock clock;
  CircuitBreaker b(Config(), clock.fn());
  Complete(b, false);
  Complete(b, false);
  Complete(b, false);
  EXPECT_EQ(b.state(), State::kClosed);  // 3 < min_requests
  Complete(b, true);                     // 3/4 failures >= 0.5
  EXPECT_EQ(b.state(), State::kOpen);
}

TEST(CircuitBreakerTest, StaysClosedBelowRatio) {
  FakeClock clock;
  CircuitBreaker b(Config(), clock.fn());
  for (int i = 0; i < 10; ++i) Complete(b, i < 6);  // ends at 4/10 failures
  EXPECT_EQ(b.state(), State::kClosed);
}

TEST(CircuitBreakerTest, OldFailuresLeaveTheWindow) {
  FakeClock clock;
  CircuitBreaker b(Config(), clock.fn());
  Complete(b, false);
  Complete(b, false);
  Complete(b, false);
  clock.Advance(11s);  // those three are out of the 10 s window
  Complete(b, false);
  Complete(b, true);
  Complete(b, true);
  Complete(b, true);
  EXPECT_EQ(b.state(), State::kClosed);  // 1/4 within the window
}

TEST(CircuitBreakerTest, OpenRejectsThenHalfOpenProbeCloses) {
  FakeClock clock;
  CircuitBreaker b(Config(), clock.fn());
  for (int i = 0; i < 4; ++i) Complete(b, false);
  ASSERT_EQ(b.state(), State::kOpen);
  // Rejections do not count as anything: many of them change nothing.
  for (int i = 0; i < 100; ++i) {
    auto t = b.Allow();
    EXPECT_FALSE(t.allowed);
    b.Record(t, false);
  }
  clock.Advance(4999ms);
  EXPECT_FALSE(b.Allow().allowed);
  clock.Advance(1ms);
  EXPECT_EQ(b.state(), State::kHalfOpen);
  auto probe = b.Allow();
  ASSERT_TRUE(probe.allowed);
  EXPECT_FALSE(b.Allow().allowed);  // only half_open_probes go through
  b.Record(probe, true);
  EXPECT_EQ(b.state(), State::kClosed);
  // Closed again with a fresh window: one failure does not reopen.
  Complete(b, false);
  EXPECT_EQ(b.state(), State::kClosed);
}

TEST(CircuitBreakerTest, RejectionsWhileAProbeIsOutLeaveItHalfOpen) {
  FakeClock clock;
  CircuitBreaker b(Config(), clock.fn());
  for (int i = 0; i < 4; ++i) Complete(b, false);
  clock.Advance(5s);
  auto probe = b.Allow();
  ASSERT_TRUE(probe.allowed);
  for (int i = 0; i < 10; ++i) {
    Reject(b);
    EXPECT_EQ(b.state(), State::kHalfOpen);
  }
  // Only the probe decides.
  b.Record(probe, true);
  EXPECT_EQ(b.state(), State::kClosed);
}

TEST(CircuitBreakerTest, RejectionsDoNotRestartTheOpenPeriod) {
  FakeClock clock;
  CircuitBreaker b(Config(), clock.fn());
  for (int i = 0; i < 4; ++i) Complete(b, false);
  ASSERT_EQ(b.state(), State::kOpen);  // opened now, open_for is 5 s
  for (int i = 0; i < 4; ++i) {
    clock.Advance(1s);
    Reject(b);
  }
  clock.Advance(999ms);
  Reject(b);
  EXPECT_EQ(b.state(), State::kOpen);
  clock.Advance(1ms);  // opened + open_for, however many were rejected
  EXPECT_EQ(b.state(), State::kHalfOpen);
  EXPECT_TRUE(b.Allow().allowed);
}

TEST(CircuitBreakerTest, CancelledRequestsCountForNothing) {
  FakeClock clock;
  CircuitBreaker b(Config(), clock.fn());
  Complete(b, false);
  Complete(b, false);
  Complete(b, false);
  for (int i = 0; i < 10; ++i) {
    auto t = b.Allow();
    ASSERT_TRUE(t.allowed);
    b.Cancel(t);
  }
  EXPECT_EQ(b.state(), State::kClosed);  // still 3 < min_requests
  Complete(b, false);
  ASSERT_EQ(b.state(), State::kOpen);
  clock.Advance(5s);
  // A cancelled probe gives its slot back instead of wedging half-open.
  auto cancelled = b.Allow();
  ASSERT_TRUE(cancelled.allowed);
  b.Cancel(cancelled);
  EXPECT_EQ(b.state(), State::kHalfOpen);
  auto probe = b.Allow();
  ASSERT_TRUE(probe.allowed);
  b.Record(probe, true);
  EXPECT_EQ(b.state(), State::kClosed);
}

TEST(CircuitBreakerTest, FailedProbeReopens) {
  FakeClock clock;
  CircuitBreaker b(Config(), clock.fn());
  for (int i = 0; i < 4; ++i) Complete(b, false);
  clock.Advance(5s);
  auto probe = b.Allow();
  ASSERT_TRUE(probe.allowed);
  b.Record(probe, false);
  EXPECT_EQ(b.state(), State::kOpen);
  clock.Advance(4s);
  EXPECT_FALSE(b.Allow().allowed);  // open_for restarts at the reopen
  clock.Advance(1s);
  EXPECT_TRUE(b.Allow().allowed);
}

TEST(CircuitBreakerTest, StaleOutcomesAreIgnored) {
  FakeClock clock;
  CircuitBreaker b(Config(), clock.fn());
  auto slow = b.Allow();  // admitted while closed, completes much later
  for (int i = 0; i < 4; ++i) Complete(b, false);
  clock.Advance(5s);
  auto probe = b.Allow();
  ASSERT_TRUE(probe.allowed);
  b.Record(slow, true);  // must not close the breaker
  EXPECT_EQ(b.state(), State::kHalfOpen);
  b.Record(probe, true);
  EXPECT_EQ(b.state(), State::kClosed);
}

TEST(CircuitBreakerTest, SeveralProbesMustAllSucceed) {
  FakeClock clock;
  BreakerConfig c = Config();
  c.half_open_probes = 2;
  CircuitBreaker b(c, clock.fn());
  for (int i = 0; i < 4; ++i) Complete(b, false);
  clock.Advance(5s);
  auto p1 = b.Allow();
  auto p2 = b.Allow();
  ASSERT_TRUE(p1.allowed && p2.allowed);
  EXPECT_FALSE(b.Allow().allowed);
  b.Record(p1, true);
  EXPECT_EQ(b.state(), State::kHalfOpen);
  b.Record(p2, true);
  EXPECT_EQ(b.state(), State::kClosed);
}

}  // namespace
}  // namespace staticship::gateway
