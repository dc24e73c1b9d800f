#include "common/diagnostics/cpu_profiler.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <time.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "common/diagnostics/symbolizer.h"

namespace staticship::diagnostics {
namespace {

using namespace std::chrono_literals;

[[gnu::noinline]] uint64_t ProfilerTestBurn(const std::atomic<bool>* stop) {
  uint64_t x = 1;
  while (!stop->load(std::memory_order_relaxed)) {
    for (int i = 0; i < 1000; ++i) x = x * 6364136223846793005u + 1;
  }
  return x;
}

// Threads burning CPU in ProfilerTestBurn, named "<prefix><i>". The
// constructor returns once every thread has its name: a profile reads the
// names when it arms its timers, and on a loaded machine a thread not yet
// named then would have all its samples under the process's name.
class Burners {
 public:
  Burners(int n, const std::string& prefix) {
    for (int i = 0; i < n; ++i) {
      threads_.emplace_back([this, name = prefix + std::to_string(i)] {
        ::pthread_setname_np(::pthread_self(), name.c_str());
        named_.fetch_add(1);
        sink_.fetch_add(ProfilerTestBurn(&stop_));
      });
    }
    while (named_.load() < n) std::this_thread::yield();
  }
  ~Burners() {
    stop_.store(true);
    for (auto& t : threads_) t.join();
  }
  // CPU the burning threads have used so far, in ns.
  int64_t CpuNs() {
    int64_t total = 0;
    for (auto& t : threads_) {
      clockid_t clock;
      timespec ts{};
      if (::pthread_getcpuclockid(t.native_handle(), &clock) == 0 &&
          ::clock_gettime(clock, &ts) == 0) {
        total += int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
      }
    }
    return total;
  }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> named_{0};
  std::atomic<uint64_t> sink_{0};
  std::vector<std::thread> threads_;
};

bool NamesBurn(const CpuProfile& profile, const Symbolizer& symbolizer,
               const std::string& thread_prefix) {
  for (const CpuProfile::Stack& stack : profile.stacks) {
    if (stack.thread.rfind(thread_prefix, 0) != 0) continue;
    for (size_t i = 0; i < stack.pcs.size(); ++i) {
      const uintptr_t pc = i == 0 ? stack.pcs[i] : stack.pcs[i] - 1;
      if (symbolizer.Describe(pc).function.find("ProfilerTestBurn") !=
          std::string::npos) {
        return true;
      }
    }
  }
  return false;
}

TEST(CpuProfilerTest, RefusesABadRate) {
  Result<CpuProfile> p = CollectCpuProfile({.duration = 10ms, .hz = 0});
  EXPECT_EQ(p.code(), ErrorCode::kInvalidArgument);
  p = CollectCpuProfile({.duration = 10ms, .hz = kMaxProfileHz + 1});
  EXPECT_EQ(p.code(), ErrorCode::kInvalidArgument);
}

TEST(CpuProfilerTest, SamplesBusyThreadsInTheirFunctions) {
  Burners burners(2, "burner-");
  Result<CpuProfile> p = CollectCpuProfile({.duration = 1000ms, .hz = 250});
  ASSERT_TRUE(p.ok()) << p.message();
  // Two threads on the CPU for a second at 250 Hz would give 500 samples;
  // a loaded machine gives them less CPU, never none.
  EXPECT_GE(p->samples, 25u);
  EXPECT_EQ(p->hz, 250);
  EXPECT_GE(p->threads, 3);
  EXPECT_GE(p->duration_ns, 900000000);
  EXPECT_GT(p->setup_ns, 0);
  EXPECT_GT(p->handler_ns, 0);
  EXPECT_GT(p->collector_cpu_ns, 0);
  EXPECT_FALSE(p->mappings.empty());
  EXPECT_FALSE(p->objects.empty());
  int64_t total = 0;
  for (const auto& stack : p->stacks) {
    ASSERT_FALSE(stack.pcs.empty());
    total += stack.count;
  }
  EXPECT_EQ(static_cast<uint64_t>(total), p->samples);
  EXPECT_TRUE(NamesBurn(*p, Symbolizer::ForThisProcess(), "burner-"));
}

TEST(CpuProfilerTest, SamplesAddUpToTheCpuUsedAboveTheKernelsTickRate) {
  // 1000 Hz is above the kernel's tick (CONFIG_HZ, often 250): one signal
  // then stands for several periods, and counting signals alone would
  // report a fraction of the CPU used.
  Burners burners(2, "tick-");
  std::this_thread::sleep_for(50ms);
  const int64_t cpu_before = burners.CpuNs();
  Result<CpuProfile> p = CollectCpuProfile({.duration = 1000ms, .hz = 1000});
  const int64_t cpu_used = burners.CpuNs() - cpu_before;
  ASSERT_TRUE(p.ok()) << p.message();
  int64_t burner_samples = 0;
  for (const auto& stack : p->stacks) {
    if (stack.thread.rfind("tick-", 0) == 0) burner_samples += stack.count;
  }
  EXPECT_GE(p->samples, p->signals);
  const double sampled_ns = static_cast<double>(burner_samples) * 1e6;
  ASSERT_GT(cpu_used, 100000000);  // the burners ran at all
  EXPECT_GT(sampled_ns, 0.7 * static_cast<double>(cpu_used));
  EXPECT_LT(sampled_ns, 1.3 * static_cast<double>(cpu_used));
}

TEST(CpuProfilerTest, ThreadsStartedDuringTheProfileAreSampled) {
  std::unique_ptr<Burners> late;
  std::thread starter([&] {
    std::this_thread::sleep_for(200ms);
    late = std::make_unique<Burners>(1, "late-");
  });
  Result<CpuProfile> p = CollectCpuProfile({.duration = 1500ms, .hz = 250});
  starter.join();
  late.reset();
  ASSERT_TRUE(p.ok()) << p.message();
  EXPECT_TRUE(NamesBurn(*p, Symbolizer::ForThisProcess(), "late-"));
}

TEST(CpuProfilerTest, OneProfileAtATime) {
  std::atomic<bool> first_started{false};
  Result<CpuProfile> first = MakeError("not run");
  std::thread t([&] {
    first_started.store(true);
    first = CollectCpuProfile({.duration = 800ms, .hz = 100});
  });
  while (!first_started.load()) std::this_thread::yield();
  std::this_thread::sleep_for(300ms);
  Result<CpuProfile> second = CollectCpuProfile({.duration = 10ms, .hz = 100});
  t.join();
  EXPECT_TRUE(first.ok()) << first.message();
  EXPECT_EQ(second.code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(second.message().find("already"), std::string::npos);
  // And once it has ended, the next one runs.
  EXPECT_TRUE(CollectCpuProfile({.duration = 10ms, .hz = 100}).ok());
}

TEST(CpuProfilerTest, CancelEndsItEarly) {
  std::atomic<bool> cancel{false};
  std::thread canceller([&] {
    std::this_thread::sleep_for(100ms);
    cancel.store(true);
  });
  const auto start = std::chrono::steady_clock::now();
  Result<CpuProfile> p =
      CollectCpuProfile({.duration = 30s, .hz = 100, .cancel = &cancel});
  canceller.join();
  ASSERT_TRUE(p.ok()) << p.message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

}  // namespace
}  // namespace staticship::diagnostics
