#include "common/diagnostics/stack_unwinder.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>

#include "common/diagnostics/symbolizer.h"

namespace staticship::diagnostics {
namespace {

using Spans = std::vector<std::pair<uintptr_t, uintptr_t>>;

// A fake stack of frame records, word-addressed.
struct FakeStack {
  alignas(16) uintptr_t words[64] = {};
  uintptr_t at(int i) const { return reinterpret_cast<uintptr_t>(&words[i]); }
  void Record(int i, uintptr_t next_fp, uintptr_t ret) {
    words[i] = next_fp;
    words[i + 1] = ret;
  }
  StackRanges Ranges() const { return StackRanges(Spans{{at(0), at(64)}}); }
};

TEST(StackUnwinderTest, FollowsTheFrameRecords) {
  FakeStack s;
  s.Record(4, s.at(10), 0x1111);
  s.Record(10, s.at(20), 0x2222);
  s.Record(20, 0, 0x3333);  // the outermost frame: no caller
  uintptr_t pcs[8];
  const int n = UnwindFrames({0xaaaa, s.at(4), s.at(0)}, s.Ranges(), pcs, 8);
  ASSERT_EQ(n, 4);
  EXPECT_EQ(pcs[0], 0xaaaau);
  EXPECT_EQ(pcs[1], 0x1111u);
  EXPECT_EQ(pcs[2], 0x2222u);
  EXPECT_EQ(pcs[3], 0x3333u);
}

TEST(StackUnwinderTest, StopsAtMax) {
  FakeStack s;
  s.Record(4, s.at(10), 0x1111);
  s.Record(10, s.at(20), 0x2222);
  uintptr_t pcs[2];
  EXPECT_EQ(UnwindFrames({0xaaaa, s.at(4), s.at(0)}, s.Ranges(), pcs, 2), 2);
  EXPECT_EQ(UnwindFrames({0xaaaa, s.at(4), s.at(0)}, s.Ranges(), pcs, 0), 0);
}

TEST(StackUnwinderTest, NeverLeavesTheStackOrGoesDown) {
  FakeStack s;
  uintptr_t pcs[8];
  // A frame pointer outside the range holding sp: no frame is read.
  EXPECT_EQ(UnwindFrames({1, 0x10, s.at(0)}, s.Ranges(), pcs, 8), 1);
  // Below sp: not a caller's frame.
  EXPECT_EQ(UnwindFrames({1, s.at(2), s.at(4)}, s.Ranges(), pcs, 8), 1);
  // The record's second word would lie past the end.
  EXPECT_EQ(UnwindFrames({1, s.at(63), s.at(0)}, s.Ranges(), pcs, 8), 1);
  // Misaligned.
  EXPECT_EQ(UnwindFrames({1, s.at(4) + 3, s.at(0)}, s.Ranges(), pcs, 8), 1);
  // A record pointing at itself or downwards ends the walk.
  s.Record(10, s.at(10), 0x2222);
  EXPECT_EQ(UnwindFrames({1, s.at(10), s.at(0)}, s.Ranges(), pcs, 8), 2);
  s.Record(20, s.at(12), 0x3333);
  EXPECT_EQ(UnwindFrames({1, s.at(20), s.at(0)}, s.Ranges(), pcs, 8), 2);
  // A zero return address ends it too.
  s.Record(30, s.at(40), 0);
  EXPECT_EQ(UnwindFrames({1, s.at(30), s.at(0)}, s.Ranges(), pcs, 8), 1);
  // An unknown stack: the pc alone.
  EXPECT_EQ(UnwindFrames({1, s.at(4), 0x10}, s.Ranges(), pcs, 8), 1);
}

TEST(StackUnwinderTest, RangesMergeAndFind) {
  StackRanges r(Spans{{300, 400}, {100, 200}, {200, 250}});
  EXPECT_EQ(r.size(), 2u);
  uintptr_t lo = 0, hi = 0;
  ASSERT_TRUE(r.Find(220, &lo, &hi));
  EXPECT_EQ(lo, 100u);
  EXPECT_EQ(hi, 250u);
  EXPECT_FALSE(r.Find(250, &lo, &hi));
  EXPECT_FALSE(r.Find(99, &lo, &hi));
  ASSERT_TRUE(r.Find(399, &lo, &hi));
  EXPECT_EQ(lo, 300u);
}

// --- A real stack, interrupted by a signal ---------------------------------

std::atomic<bool> g_spin{true};
std::atomic<int> g_depth{0};
uintptr_t g_pcs[kMaxFrames];
const StackRanges* g_ranges = nullptr;

void OnSignal(int, siginfo_t*, void* ucontext) {
  g_depth.store(UnwindFrames(RegistersFromContext(ucontext), *g_ranges, g_pcs,
                             kMaxFrames));
}

[[gnu::noinline]] int UnwinderTestInner(std::atomic<int>* ready) {
  ready->store(1);
  int spins = 0;
  while (g_spin.load()) ++spins;
  return spins & 1;
}
[[gnu::noinline]] int UnwinderTestMiddle(std::atomic<int>* ready) {
  int r = UnwinderTestInner(ready);
  asm volatile("" ::: "memory");  // no tail call: keep this frame
  return r + 1;
}
[[gnu::noinline]] int UnwinderTestOuter(std::atomic<int>* ready) {
  int r = UnwinderTestMiddle(ready);
  asm volatile("" ::: "memory");
  return r + 1;
}

TEST(StackUnwinderTest, UnwindsARealThreadFromItsSignalContext) {
  auto maps = ReadSelfMemoryMap();
  ASSERT_TRUE(maps.ok()) << maps.message();
  std::atomic<int> ready{0};
  std::atomic<int> tid{0};
  std::thread spinner([&] {
    tid.store(static_cast<int>(::syscall(SYS_gettid)));
    UnwinderTestOuter(&ready);
  });
  while (ready.load() == 0) std::this_thread::yield();
  // The thread's stack exists now: snapshot the ranges after it started.
  auto fresh = ReadSelfMemoryMap();
  ASSERT_TRUE(fresh.ok());
  StackRanges ranges(*fresh);
  g_ranges = &ranges;
  struct sigaction action {};
  action.sa_sigaction = OnSignal;
  action.sa_flags = SA_SIGINFO;
  ASSERT_EQ(::sigaction(SIGUSR2, &action, nullptr), 0);
  ASSERT_EQ(::syscall(SYS_tgkill, ::getpid(), tid.load(), SIGUSR2), 0);
  for (int i = 0; i < 5000 && g_depth.load() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  g_spin.store(false);
  spinner.join();
  const int depth = g_depth.load();
  ASSERT_GE(depth, 3);

  Symbolizer symbolizer = Symbolizer::ForThisProcess();
  ASSERT_TRUE(symbolizer.has_symbols()) << symbolizer.source();
  std::vector<std::string> names;
  for (int i = 0; i < depth; ++i) {
    names.push_back(
        symbolizer.Describe(i == 0 ? g_pcs[i] : g_pcs[i] - 1).function);
  }
  // The leaf may be a helper the compiler did not inline (std::atomic's
  // load, in unoptimized builds); from Inner on, the frames are exactly the
  // calls made.
  std::string all;
  for (const std::string& n : names) all += n + "\n";
  auto inner = std::find_if(names.begin(), names.end(), [](const auto& n) {
    return n.find("UnwinderTestInner") != std::string::npos;
  });
  ASSERT_NE(inner, names.end()) << all;
  ASSERT_LT(inner - names.begin() + 2, static_cast<long>(names.size())) << all;
  EXPECT_NE(inner[1].find("UnwinderTestMiddle"), std::string::npos) << all;
  EXPECT_NE(inner[2].find("UnwinderTestOuter"), std::string::npos) << all;
  for (auto n = names.begin(); n != inner; ++n) {
    EXPECT_NE(n->find("atomic"), std::string::npos) << all;
  }
}

}  // namespace
}  // namespace staticship::diagnostics
