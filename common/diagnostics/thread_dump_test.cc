#include "common/diagnostics/thread_dump.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace staticship::diagnostics {
namespace {

using namespace std::chrono_literals;

// Spins without calling anything (the builtin is inlined even unoptimized),
// so that wherever the signal lands, this function is the interrupted one.
[[gnu::noinline]] uint64_t ThreadDumpTestSpin(const bool* stop) {
  uint64_t n = 0;
  while (!__atomic_load_n(stop, __ATOMIC_RELAXED)) ++n;
  return n;
}

// Threads that wait on a condition variable (blocked in the kernel), one
// that spins, and optionally one that blocks the dump's signal.
class Crowd {
 public:
  explicit Crowd(bool with_deaf_thread) {
    for (int i = 0; i < 3; ++i) {
      Start("waiter-" + std::to_string(i), [this] {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return stop_.load(); });
      });
    }
    Start("spinner", [this] { sink_ += ThreadDumpTestSpin(&spin_stop_); });
    if (with_deaf_thread) {
      Start("deaf", [this] {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, ThreadDumpSignal());
        pthread_sigmask(SIG_BLOCK, &set, nullptr);
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return stop_.load(); });
      });
    }
    while (running_.load() < static_cast<int>(threads_.size())) {
      std::this_thread::yield();
    }
    std::this_thread::sleep_for(20ms);  // let them reach their waits
  }
  ~Crowd() {
    __atomic_store_n(&spin_stop_, true, __ATOMIC_RELAXED);
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_.store(true);
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }

  // The threads this crowd started, by id (qemu-user, which runs the
  // aarch64 tests, adds a thread of its own that blocks every signal).
  std::set<int> tids() {
    std::lock_guard<std::mutex> lock(mu_);
    return tids_;
  }

 private:
  void Start(std::string name, std::function<void()> body) {
    threads_.emplace_back([this, name, body] {
      ::pthread_setname_np(::pthread_self(), name.c_str());
      {
        std::lock_guard<std::mutex> lock(mu_);
        tids_.insert(CurrentThreadId());
      }
      running_.fetch_add(1);
      body();
    });
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<bool> stop_{false};
  bool spin_stop_ = false;  // read and written with __atomic builtins
  std::atomic<int> running_{0};
  std::set<int> tids_;
  uint64_t sink_ = 0;
  std::vector<std::thread> threads_;
};

TEST(ThreadDumpTest, EveryThreadAnswersWithItsStack) {
  Crowd crowd(false);
  auto tasks = ListThreads();
  ASSERT_TRUE(tasks.ok()) << tasks.message();
  auto stacks = DumpThreadStacks(2000ms);
  ASSERT_TRUE(stacks.ok()) << stacks.message();
  std::set<int> expected, dumped;
  for (const ThreadInfo& t : *tasks) expected.insert(t.tid);
  std::set<int> ours = crowd.tids();
  ours.insert(CurrentThreadId());
  EXPECT_EQ(ours.size(), 5u);
  for (const ThreadStack& s : *stacks) {
    dumped.insert(s.thread.tid);
    if (ours.count(s.thread.tid) == 0) continue;
    EXPECT_TRUE(s.answered) << s.thread.name;
    EXPECT_FALSE(s.pcs.empty()) << s.thread.name;
  }
  EXPECT_EQ(dumped, expected);

  Symbolizer symbolizer = Symbolizer::ForThisProcess();
  const std::string text = FormatThreadDump(*stacks, symbolizer);
  EXPECT_NE(text.find("# " + std::to_string(stacks->size()) +
                      " threads of pid " + std::to_string(::getpid())),
            std::string::npos)
      << text;
  for (const char* name : {"waiter-0", "waiter-1", "waiter-2", "spinner"}) {
    EXPECT_NE(text.find(std::string("\"") + name + "\""), std::string::npos)
        << name;
  }
  EXPECT_NE(text.find("ThreadDumpTestSpin"), std::string::npos) << text;
  // The dumping thread is in the dump, inside this test. (Not always
  // inside DumpThreadStacks: under glibc, which keeps no frame pointers,
  // the frame of the function that called into it is skipped.)
  EXPECT_NE(text.find("EveryThreadAnswersWithItsStack"), std::string::npos)
      << text;
  EXPECT_NE(text.find("# modules"), std::string::npos);
}

TEST(ThreadDumpTest, AThreadThatBlocksTheSignalIsListedWithoutAStack) {
  Crowd crowd(true);
  const auto start = std::chrono::steady_clock::now();
  auto stacks = DumpThreadStacks(300ms);
  ASSERT_TRUE(stacks.ok()) << stacks.message();
  EXPECT_GE(std::chrono::steady_clock::now() - start, 300ms);
  int deaf = 0;
  std::set<int> ours = crowd.tids();
  for (const ThreadStack& s : *stacks) {
    if (s.thread.name == "deaf") {
      ++deaf;
      EXPECT_FALSE(s.answered);
      EXPECT_TRUE(s.pcs.empty());
    } else if (ours.count(s.thread.tid) != 0) {
      EXPECT_TRUE(s.answered) << s.thread.name;
    }
  }
  EXPECT_EQ(deaf, 1);
  const std::string text =
      FormatThreadDump(*stacks, Symbolizer::ForThisProcess());
  EXPECT_NE(text.find("\"deaf\" state"), std::string::npos);
  EXPECT_NE(text.find("no answer"), std::string::npos);
  // The next dump works: the first one left nothing behind.
  EXPECT_TRUE(DumpThreadStacks(300ms).ok());
}

}  // namespace
}  // namespace staticship::diagnostics
