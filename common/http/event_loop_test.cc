#include "common/http/event_loop.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/base/unique_fd.h"

namespace staticship::http {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<EventLoop> NewLoop() {
  Result<std::unique_ptr<EventLoop>> loop = EventLoop::Create(3);
  EXPECT_TRUE(loop.ok()) << loop.message();
  return loop.ok() ? std::move(*loop) : nullptr;
}

struct Pipe {
  UniqueFd read;
  UniqueFd write;
};

Pipe MakePipe() {
  int fds[2];
  EXPECT_EQ(::pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

TEST(EventLoopTest, PostedTasksRunOnTheLoopThreadInOrder) {
  std::unique_ptr<EventLoop> loop = NewLoop();
  ASSERT_NE(loop, nullptr);
  EXPECT_EQ(loop->index(), 3);
  EXPECT_FALSE(loop->InLoopThread());
  std::vector<int> ran;
  std::thread runner([&] { loop->Run(); });
  std::thread poster([&] {
    for (int i = 0; i < 3; ++i) {
      EXPECT_TRUE(loop->Post([&, i] {
        EXPECT_TRUE(loop->InLoopThread());
        ran.push_back(i);
      }));
    }
    EXPECT_TRUE(loop->Post([&] { loop->Quit(); }));
  });
  poster.join();
  runner.join();
  EXPECT_EQ(ran, (std::vector<int>{0, 1, 2}));
}

TEST(EventLoopTest, TimersFireInDeadlineThenCreationOrder) {
  std::unique_ptr<EventLoop> loop = NewLoop();
  ASSERT_NE(loop, nullptr);
  std::string fired;
  ASSERT_TRUE(loop->Post([&] {
    loop->RunAfter(30ms, [&] { fired += "c"; });
    loop->RunAfter(10ms, [&] { fired += "a"; });
    loop->RunAfter(10ms, [&] { fired += "b"; });
    const uint64_t cancelled = loop->RunAfter(20ms, [&] { fired += "X"; });
    loop->Cancel(cancelled);
    loop->Cancel(cancelled);  // twice is a no-op
    loop->RunAfter(40ms, [&] { loop->Quit(); });
  }));
  const auto start = std::chrono::steady_clock::now();
  loop->Run();
  EXPECT_EQ(fired, "abc");
  EXPECT_GE(std::chrono::steady_clock::now() - start, 40ms);
}

TEST(EventLoopTest, StaleTimerIdDoesNotCancelItsSlotsNextTimer) {
  std::unique_ptr<EventLoop> loop = NewLoop();
  ASSERT_NE(loop, nullptr);
  bool second_fired = false;
  ASSERT_TRUE(loop->Post([&] {
    const uint64_t first = loop->RunAfter(0ms, [&] {
      // The first timer's slot is free again: the next timer may reuse it,
      // and the old id must not reach it.
      loop->RunAfter(10ms, [&] { second_fired = true; });
      loop->RunAfter(20ms, [&] { loop->Quit(); });
    });
    loop->RunAfter(1ms, [&, first] { loop->Cancel(first); });
  }));
  loop->Run();
  EXPECT_TRUE(second_fired);
}

TEST(EventLoopTest, WatchReportsReadinessUntilUnwatched) {
  std::unique_ptr<EventLoop> loop = NewLoop();
  ASSERT_NE(loop, nullptr);
  Pipe pipe = MakePipe();
  std::string got;
  int calls = 0;
  ASSERT_TRUE(loop->Post([&] {
    Result<uint64_t> id = loop->Watch(pipe.read.get(), EPOLLIN, nullptr);
    ASSERT_TRUE(id.ok()) << id.message();
    ASSERT_TRUE(loop->SetCallback(
                        *id,
                        [&, id = *id](uint32_t events) {
                          EXPECT_TRUE(events & EPOLLIN);
                          ++calls;
                          char buf[16];
                          ssize_t n = ::read(pipe.read.get(), buf, sizeof buf);
                          if (n > 0) got.append(buf, static_cast<size_t>(n));
                          if (got == "hi") {
                            // Removing itself from inside its callback.
                            loop->Unwatch(id);
                            // More data now must not reach the callback.
                            ASSERT_EQ(::write(pipe.write.get(), "!", 1), 1);
                            loop->RunAfter(20ms, [&] { loop->Quit(); });
                          }
                        })
                    .ok());
    ASSERT_EQ(::write(pipe.write.get(), "hi", 2), 2);
  }));
  loop->Run();
  EXPECT_EQ(got, "hi");
  EXPECT_EQ(calls, 1);
}

TEST(EventLoopTest, ModifySwitchesTheEventsWatched) {
  std::unique_ptr<EventLoop> loop = NewLoop();
  ASSERT_NE(loop, nullptr);
  Pipe pipe = MakePipe();
  std::vector<uint32_t> seen;
  ASSERT_TRUE(loop->Post([&] {
    // Nothing to read yet: a read watch stays silent until Modify asks for
    // writability, which an empty pipe has at once.
    Result<uint64_t> id =
        loop->Watch(pipe.write.get(), EPOLLIN, [&](uint32_t events) {
          seen.push_back(events);
          loop->Quit();
        });
    ASSERT_TRUE(id.ok()) << id.message();
    loop->RunAfter(20ms, [&, id = *id] {
      EXPECT_TRUE(seen.empty());
      EXPECT_TRUE(loop->Modify(id, EPOLLOUT).ok());
    });
  }));
  loop->Run();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_TRUE(seen[0] & EPOLLOUT);
}

TEST(EventLoopTest, UnknownWatchIdsAreErrors) {
  std::unique_ptr<EventLoop> loop = NewLoop();
  ASSERT_NE(loop, nullptr);
  ASSERT_TRUE(loop->Post([&] {
    EXPECT_FALSE(loop->Modify(12345, EPOLLIN).ok());
    EXPECT_FALSE(loop->SetCallback(12345, [](uint32_t) {}).ok());
    loop->Unwatch(12345);  // a no-op
    loop->Quit();
  }));
  loop->Run();
}

TEST(EventLoopTest, PostAfterTheLoopIsGoneIsRefused) {
  std::unique_ptr<EventLoop> loop = NewLoop();
  ASSERT_NE(loop, nullptr);
  std::shared_ptr<internal::Mailbox> mailbox = loop->mailbox();
  EXPECT_TRUE(mailbox->Push([] {}));
  loop.reset();
  bool ran = false;
  EXPECT_FALSE(mailbox->Push([&] { ran = true; }));
  EXPECT_FALSE(ran);
}

TEST(EventLoopTest, LagProbeMeasuresABusyLoop) {
  std::unique_ptr<EventLoop> loop = NewLoop();
  ASSERT_NE(loop, nullptr);
  std::shared_ptr<const LoopLagStats> lag = loop->lag_stats();
  loop->StartLagProbe(5ms);
  loop->StartLagProbe(5ms);  // a second start adds no second probe
  const auto begin = std::chrono::steady_clock::now();
  std::thread runner([&] { loop->Run(); });
  // Idle first: the probe fires about on time.
  std::this_thread::sleep_for(60ms);
  const uint64_t idle_samples = lag->samples.load();
  const auto elapsed = std::chrono::steady_clock::now() - begin;
  EXPECT_GE(idle_samples, 2u);
  // One probe, not two: at most one sample per interval.
  EXPECT_LE(idle_samples, static_cast<uint64_t>(elapsed / 5ms) + 1);
  EXPECT_LT(lag->total_us.load() / static_cast<int64_t>(idle_samples), 50000);
  // Then a task holds the loop for 80 ms: the next probe is that late.
  loop->Post([] {
    auto end = std::chrono::steady_clock::now() + 80ms;
    while (std::chrono::steady_clock::now() < end) {
    }
  });
  std::this_thread::sleep_for(150ms);
  loop->Quit();
  runner.join();
  EXPECT_GE(lag->recent_max_us.load(), 60000);
  EXPECT_GT(lag->samples.load(), idle_samples);
}

}  // namespace
}  // namespace staticship::http
