#include "services/scheduler/etcd_lease_session.h"

#include <gtest/gtest.h>

#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace staticship::scheduler {
namespace {

using std::chrono::milliseconds;

// A scripted etcd: each call takes the next answer.
class LeaseSessionTest : public ::testing::Test {
 protected:
  LeaseSession& Session(int64_t ttl_seconds) {
    session_.emplace(
        ttl_seconds,
        LeaseSession::Calls{
            .grant =
                [this](int64_t ttl) {
                  calls_.push_back("grant " + std::to_string(ttl));
                  return Next(&grants_);
                },
            .keep_alive =
                [this](int64_t lease) {
                  calls_.push_back("keepalive " + std::to_string(lease));
                  return Next(&keepalives_);
                }},
        LeaseSession::Events{
            .granted =
                [this](int64_t lease) {
                  events_.push_back("granted " + std::to_string(lease));
                },
            .lost = [this] { events_.push_back("lost"); },
            .health =
                [this](bool healthy, const std::string& why) {
                  events_.push_back((healthy ? "ok: " : "down: ") + why);
                }},
        // Full jitter picks random % (ceiling + 1); 1000 makes each delay
        // a known number below its ceiling.
        [] { return uint64_t{1000}; });
    return *session_;
  }

  static Result<int64_t> Next(std::deque<Result<int64_t>>* answers) {
    if (answers->empty()) return MakeError("[timeout] unscripted call");
    Result<int64_t> r = std::move(answers->front());
    answers->pop_front();
    return r;
  }

  std::deque<Result<int64_t>> grants_;
  std::deque<Result<int64_t>> keepalives_;
  std::vector<std::string> calls_;
  std::vector<std::string> events_;
  std::optional<LeaseSession> session_;
};

TEST_F(LeaseSessionTest, GrantsAtOnceThenKeepsAliveAtAThirdOfTheTtl) {
  grants_ = {int64_t{42}};
  keepalives_ = {int64_t{6}, int64_t{5}};
  LeaseSession& s = Session(6);
  EXPECT_EQ(s.lease(), 0);
  EXPECT_EQ(s.Step(), milliseconds(2000));
  EXPECT_EQ(s.lease(), 42);
  EXPECT_EQ(s.Step(), milliseconds(2000));
  EXPECT_EQ(s.Step(), milliseconds(2000));
  EXPECT_EQ(calls_, (std::vector<std::string>{"grant 6", "keepalive 42",
                                              "keepalive 42"}));
  EXPECT_EQ(events_,
            (std::vector<std::string>{"ok: holding lease 42", "granted 42",
                                      "ok: lease kept alive again",
                                      "ok: lease kept alive again"}));
}

TEST_F(LeaseSessionTest, KeepAlivesNeverComeFasterThan200Ms) {
  EXPECT_EQ(Session(1).keepalive_every(), milliseconds(333));
  EXPECT_EQ(Session(0).keepalive_every(), milliseconds(200));
  EXPECT_EQ(Session(30).keepalive_every(), milliseconds(10000));
}

TEST_F(LeaseSessionTest, FailedGrantsBackOffWithJitterUpToTheCap) {
  for (int i = 0; i < 7; ++i) grants_.push_back(MakeError("[refused] down"));
  grants_.push_back(int64_t{9});
  keepalives_ = {MakeError("[timeout] slow")};
  LeaseSession& s = Session(6);
  // Ceilings 100, 200, 400, 800, 1600, then the 2000 cap; 1000 % 101 = 91.
  std::vector<int64_t> delays;
  for (int i = 0; i < 7; ++i) delays.push_back(s.Step().count());
  EXPECT_EQ(delays,
            (std::vector<int64_t>{91, 196, 198, 199, 1000, 1000, 1000}));
  EXPECT_EQ(s.lease(), 0);
  EXPECT_EQ(events_.back(), "down: lease grant: [refused] down");
  // A grant starts the count of failures afresh.
  EXPECT_EQ(s.Step(), milliseconds(2000));
  EXPECT_EQ(s.lease(), 9);
  EXPECT_EQ(s.Step(), milliseconds(91));
}

TEST_F(LeaseSessionTest, AKeepAliveErrorRetriesWithinTheKeepAliveInterval) {
  grants_ = {int64_t{42}};
  for (int i = 0; i < 5; ++i) keepalives_.push_back(MakeError("[timeout] x"));
  keepalives_.push_back(int64_t{1});
  keepalives_.push_back(MakeError("[timeout] x"));
  LeaseSession& s = Session(1);  // keep-alive every 333 ms
  s.Step();
  std::vector<int64_t> delays;
  for (int i = 0; i < 5; ++i) delays.push_back(s.Step().count());
  // The fifth would be 1000 (ceiling 1600): the interval bounds it, so that
  // a short outage does not cost the lease.
  EXPECT_EQ(delays, (std::vector<int64_t>{91, 196, 198, 199, 333}));
  EXPECT_EQ(s.lease(), 42);  // an error is no proof that etcd forgot it
  EXPECT_EQ(events_.back(), "down: keepalive: [timeout] x");
  EXPECT_EQ(s.Step(), milliseconds(333));
  EXPECT_EQ(events_.back(), "ok: lease kept alive again");
  EXPECT_EQ(s.Step(), milliseconds(91));
}

TEST_F(LeaseSessionTest, AnExpiredLeaseIsLostAndReplacedAtOnce) {
  grants_ = {int64_t{42}, int64_t{43}};
  keepalives_ = {int64_t{0}};
  LeaseSession& s = Session(6);
  s.Step();
  EXPECT_EQ(s.Step(), milliseconds(0));
  EXPECT_EQ(s.lease(), 0);
  EXPECT_EQ(events_,
            (std::vector<std::string>{"ok: holding lease 42", "granted 42",
                                      "down: lease expired", "lost"}));
  EXPECT_EQ(s.Step(), milliseconds(2000));
  EXPECT_EQ(s.lease(), 43);
  EXPECT_EQ(calls_.back(), "grant 6");
}

}  // namespace
}  // namespace staticship::scheduler
