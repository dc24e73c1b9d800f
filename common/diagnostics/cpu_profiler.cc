#include "common/diagnostics/cpu_profiler.h"

#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <thread>
#include <utility>

#include "common/diagnostics/process_threads.h"
#include "common/diagnostics/sample_ring.h"
#include "common/diagnostics/stack_unwinder.h"

namespace staticship::diagnostics {
namespace {

using Clock = std::chrono::steady_clock;

// The kernel's struct sigevent (64 bytes). libc's versions differ in how
// they name the thread id (glibc only recently has sigev_notify_thread_id)
// and musl's timer_create wraps the timer id, so the timer calls below are
// raw system calls.
struct KernelSigevent {
  union {
    int sival_int;
    void* sival_ptr;
  } value;
  int signo;
  int notify;
  int tid;
  int pad[11];
};
static_assert(sizeof(KernelSigevent) == 64);
constexpr int kSigevThreadId = 4;

// The CPU-time clock of one thread of this process: the kernel's
// MAKE_THREAD_CPUCLOCK(tid, CPUCLOCK_SCHED), what pthread_getcpuclockid
// returns for a pthread_t (we only know tids).
clockid_t ThreadCpuClock(int tid) {
  return static_cast<clockid_t>((~static_cast<unsigned>(tid) << 3) | 6u);
}

// What the handler reaches. Signal handlers can reach nothing but globals;
// this is the profiler's only process-wide state, claimed by one profile
// at a time.
struct Session {
  explicit Session(size_t ring_capacity) : ring(ring_capacity) {}
  SampleRing ring;
  std::atomic<const StackRanges*> ranges{nullptr};
  std::atomic<int64_t> handler_ns{0};
};

struct SignalState {
  std::atomic<Session*> session{nullptr};
  std::atomic<int> in_handler{0};
};
SignalState g_signal_state;

int64_t ThreadCpuNs() {
  timespec ts;
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

int64_t MonotonicNs() {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

void OnProfileSignal(int, siginfo_t* info, void* ucontext) {
  const int saved_errno = errno;
  // Announce before looking (see Collect's teardown): the session cannot
  // be freed while in_handler counts this handler.
  g_signal_state.in_handler.fetch_add(1);
  Session* session = g_signal_state.session.load();
  // Only our timers' signals: a stray `kill -PROF` carries SI_USER.
  if (session != nullptr && info->si_code == SI_TIMER) {
    const int64_t start = MonotonicNs();
    uintptr_t pcs[kMaxFrames];
    const StackRanges* ranges = session->ranges.load(std::memory_order_acquire);
    const int depth =
        UnwindFrames(RegistersFromContext(ucontext), *ranges, pcs, kMaxFrames);
    // The timer carries its thread's id: no gettid call here.
    session->ring.Push(info->si_value.sival_int, pcs, depth,
                       1 + (info->si_overrun > 0 ? info->si_overrun : 0));
    session->handler_ns.fetch_add(MonotonicNs() - start,
                                  std::memory_order_relaxed);
  }
  g_signal_state.in_handler.fetch_sub(1);
  errno = saved_errno;
}

Status InstallHandler() {
  struct sigaction action {};
  action.sa_sigaction = OnProfileSignal;
  action.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&action.sa_mask);
  if (::sigaction(SIGPROF, &action, nullptr) != 0) {
    return MakeError(ErrorCode::kInternal, std::string("sigaction(SIGPROF): ") +
                                               std::strerror(errno));
  }
  return Status::Ok();
}

// The per-thread timers of one profile, deleted when it ends.
class ThreadTimers {
 public:
  explicit ThreadTimers(int64_t period_ns) : period_ns_(period_ns) {}
  ~ThreadTimers() { DeleteAll(); }

  // The threads that have no timer yet.
  std::vector<ThreadInfo> Unarmed() const {
    std::vector<ThreadInfo> unarmed;
    if (Result<std::vector<ThreadInfo>> threads = ListThreads(); threads.ok()) {
      for (ThreadInfo& t : *threads) {
        if (names_.count(t.tid) == 0) unarmed.push_back(std::move(t));
      }
    }
    return unarmed;
  }

  // Arms a timer for each of `threads`; returns how many were armed.
  int Arm(std::vector<ThreadInfo> threads) {
    int added = 0;
    for (ThreadInfo& t : threads) {
      names_.emplace(t.tid, std::move(t.name));
      KernelSigevent event{};
      event.value.sival_int = t.tid;
      event.signo = SIGPROF;
      event.notify = kSigevThreadId;
      event.tid = t.tid;
      int timer = -1;
      if (::syscall(SYS_timer_create, ThreadCpuClock(t.tid), &event, &timer) !=
          0) {
        continue;  // the thread exited meanwhile
      }
      const itimerspec spec{{period_ns_ / 1000000000, period_ns_ % 1000000000},
                            {period_ns_ / 1000000000, period_ns_ % 1000000000}};
      if (::syscall(SYS_timer_settime, timer, 0, &spec, nullptr) != 0) {
        ::syscall(SYS_timer_delete, timer);
        continue;
      }
      timers_.push_back(timer);
      ++added;
    }
    return added;
  }

  void DeleteAll() {
    for (int timer : timers_) ::syscall(SYS_timer_delete, timer);
    timers_.clear();
  }

  std::string NameOf(int tid) const {
    auto it = names_.find(tid);
    return it != names_.end() ? it->second : "tid " + std::to_string(tid);
  }
  int armed() const { return static_cast<int>(timers_.size()); }

 private:
  int64_t period_ns_;
  std::vector<int> timers_;
  std::map<int, std::string> names_;
};

// Identical stacks of one thread, counted.
using Aggregate = std::map<std::pair<int, std::vector<uintptr_t>>, int64_t>;

void Drain(SampleRing& ring, Aggregate* aggregate, CpuProfile* profile) {
  StackSample sample;
  while (ring.Pop(&sample)) {
    std::vector<uintptr_t> pcs(sample.pcs, sample.pcs + sample.depth);
    (*aggregate)[{sample.tid, std::move(pcs)}] += sample.weight;
    profile->samples += static_cast<uint64_t>(sample.weight);
    ++profile->signals;
  }
}

Result<std::unique_ptr<StackRanges>> SnapshotRanges() {
  Result<std::vector<Mapping>> maps = ReadSelfMemoryMap();
  if (!maps.ok()) return maps.error();
  return std::make_unique<StackRanges>(*maps);
}

}  // namespace

Result<CpuProfile> CollectCpuProfile(const ProfileOptions& options) {
  if (options.hz < kMinProfileHz || options.hz > kMaxProfileHz) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "hz must be in [" + std::to_string(kMinProfileHz) + ", " +
                         std::to_string(kMaxProfileHz) + "], not " +
                         std::to_string(options.hz));
  }
  const Clock::time_point setup_start = Clock::now();
  const int64_t collector_cpu_start = ThreadCpuNs();
  CpuProfile profile;
  profile.hz = options.hz;
  profile.start_unix_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count();
  // 100 ms of samples at 1000 Hz from 40 busy threads, with room to spare.
  auto session = std::make_unique<Session>(4096);
  // Every snapshot stays alive until the end: a handler may still read an
  // older one after a newer one is published.
  std::vector<std::unique_ptr<StackRanges>> snapshots;
  Result<std::unique_ptr<StackRanges>> ranges = SnapshotRanges();
  if (!ranges.ok()) return WithContext(ranges.error(), "/proc/self/maps");
  session->ranges.store(ranges->get());
  snapshots.push_back(std::move(*ranges));

  Session* expected = nullptr;
  if (!g_signal_state.session.compare_exchange_strong(expected,
                                                      session.get())) {
    return MakeError(ErrorCode::kFailedPrecondition,
                     "a CPU profile is already being taken (one at a time); "
                     "try again when it ends");
  }
  if (Status s = InstallHandler(); !s.ok()) {
    g_signal_state.session.store(nullptr);
    return s.error();
  }
  const int64_t period_ns = 1000000000 / options.hz;
  Aggregate aggregate;
  {
    ThreadTimers timers(period_ns);
    timers.Arm(timers.Unarmed());
    profile.setup_ns = (Clock::now() - setup_start).count();
    const Clock::time_point start = Clock::now();
    const Clock::time_point deadline = start + options.duration;
    Clock::time_point next_scan = start + std::chrono::milliseconds(500);
    while (Clock::now() < deadline &&
           !(options.cancel != nullptr && options.cancel->load())) {
      std::this_thread::sleep_for(std::min<Clock::duration>(
          std::chrono::milliseconds(100), deadline - Clock::now()));
      Drain(session->ring, &aggregate, &profile);
      if (Clock::now() >= next_scan) {
        next_scan = Clock::now() + std::chrono::milliseconds(500);
        std::vector<ThreadInfo> started = timers.Unarmed();
        if (started.empty()) continue;
        // A new thread's stack is in no snapshot yet: take a new one
        // before its first sample can arrive.
        if (Result<std::unique_ptr<StackRanges>> fresh = SnapshotRanges();
            fresh.ok()) {
          session->ranges.store(fresh->get(), std::memory_order_release);
          snapshots.push_back(std::move(*fresh));
        }
        timers.Arm(std::move(started));
      }
    }
    const Clock::time_point teardown_start = Clock::now();
    profile.duration_ns = (teardown_start - start).count();
    profile.threads = timers.armed();
    timers.DeleteAll();
    // Unpublish, then wait out handlers that may still hold the session:
    // a handler either sees nullptr or is counted in in_handler.
    g_signal_state.session.store(nullptr);
    while (g_signal_state.in_handler.load() != 0) std::this_thread::yield();
    Drain(session->ring, &aggregate, &profile);
    for (auto& [key, count] : aggregate) {
      profile.stacks.push_back(
          {std::move(key.second), timers.NameOf(key.first), count});
    }
    profile.dropped = session->ring.dropped();
    profile.handler_ns = session->handler_ns.load();
    if (Result<std::vector<Mapping>> maps = ReadSelfMemoryMap(); maps.ok()) {
      for (Mapping& m : *maps) {
        if (m.executable) profile.mappings.push_back(std::move(m));
      }
    }
    profile.objects = ListLoadedObjects();
    profile.teardown_ns = (Clock::now() - teardown_start).count();
    profile.collector_cpu_ns = ThreadCpuNs() - collector_cpu_start;
  }
  return profile;
}

}  // namespace staticship::diagnostics
