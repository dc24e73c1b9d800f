#include "common/diagnostics/thread_dump.h"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <thread>

#include "common/diagnostics/stack_unwinder.h"

namespace staticship::diagnostics {
namespace {

struct Slot {
  int tid = 0;
  std::atomic<bool> done{false};
  int depth = 0;
  uintptr_t pcs[kMaxFrames];
};

struct DumpSession {
  DumpSession(size_t n, StackRanges r) : slots(n), ranges(std::move(r)) {}
  std::vector<Slot> slots;
  StackRanges ranges;
};

// Signal handlers can reach nothing but globals: the dump's only
// process-wide state, claimed by one dump at a time.
struct DumpSignalState {
  std::atomic<DumpSession*> session{nullptr};
  std::atomic<int> in_handler{0};
};
DumpSignalState g_dump_state;

void OnDumpSignal(int, siginfo_t* info, void* ucontext) {
  const int saved_errno = errno;
  g_dump_state.in_handler.fetch_add(1);
  DumpSession* session = g_dump_state.session.load();
  // Only our own tgkill: SI_TKILL from this process.
  if (session != nullptr && info->si_code == SI_TKILL &&
      info->si_pid == ::getpid()) {
    const int tid = static_cast<int>(::syscall(SYS_gettid));
    for (Slot& slot : session->slots) {
      if (slot.tid != tid || slot.done.load(std::memory_order_relaxed)) {
        continue;
      }
      slot.depth = UnwindFrames(RegistersFromContext(ucontext), session->ranges,
                                slot.pcs, kMaxFrames);
      slot.done.store(true, std::memory_order_release);
      break;
    }
  }
  g_dump_state.in_handler.fetch_sub(1);
  errno = saved_errno;
}

}  // namespace

int ThreadDumpSignal() { return SIGRTMIN + 5; }

Result<std::vector<ThreadStack>> DumpThreadStacks(
    std::chrono::milliseconds timeout) {
  Result<std::vector<ThreadInfo>> threads = ListThreads();
  if (!threads.ok()) return WithContext(threads.error(), "/proc/self/task");
  Result<std::vector<Mapping>> maps = ReadSelfMemoryMap();
  if (!maps.ok()) return WithContext(maps.error(), "/proc/self/maps");
  auto session =
      std::make_unique<DumpSession>(threads->size(), StackRanges(*maps));
  for (size_t i = 0; i < threads->size(); ++i) {
    session->slots[i].tid = (*threads)[i].tid;
  }
  DumpSession* expected = nullptr;
  if (!g_dump_state.session.compare_exchange_strong(expected, session.get())) {
    return MakeError(ErrorCode::kFailedPrecondition,
                     "a thread dump is already running; try again");
  }
  struct sigaction action {};
  action.sa_sigaction = OnDumpSignal;
  action.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&action.sa_mask);
  // Stays installed: a late signal must find a handler that ignores it,
  // not the default action, which ends the process.
  if (::sigaction(ThreadDumpSignal(), &action, nullptr) != 0) {
    g_dump_state.session.store(nullptr);
    return MakeError(ErrorCode::kInternal,
                     std::string("sigaction: ") + std::strerror(errno));
  }
  const pid_t pid = ::getpid();
  for (const Slot& slot : session->slots) {
    // A thread that exited meanwhile (ESRCH) simply never answers.
    ::syscall(SYS_tgkill, pid, slot.tid, ThreadDumpSignal());
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto all_done = [&session] {
    for (const Slot& slot : session->slots) {
      if (!slot.done.load(std::memory_order_acquire)) return false;
    }
    return true;
  };
  while (!all_done() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  g_dump_state.session.store(nullptr);
  while (g_dump_state.in_handler.load() != 0) std::this_thread::yield();

  std::vector<ThreadStack> stacks;
  for (size_t i = 0; i < threads->size(); ++i) {
    const Slot& slot = session->slots[i];
    ThreadStack stack;
    stack.thread = (*threads)[i];
    stack.answered = slot.done.load(std::memory_order_acquire);
    if (stack.answered) stack.pcs.assign(slot.pcs, slot.pcs + slot.depth);
    stacks.push_back(std::move(stack));
  }
  return stacks;
}

std::string FormatThreadDump(const std::vector<ThreadStack>& stacks,
                             const Symbolizer& symbolizer) {
  auto hex = [](uint64_t v, int width) {
    char buf[24];
    std::snprintf(buf, sizeof(buf), "0x%0*" PRIx64, width, v);
    return std::string(buf);
  };
  std::string program = stacks.empty() ? "" : stacks[0].thread.name;
  for (const ThreadStack& s : stacks) {
    if (s.thread.tid == ::getpid()) program = s.thread.name;
  }
  std::string out = "# " + std::to_string(stacks.size()) + " threads of pid " +
                    std::to_string(::getpid()) + " (" + program + "); " +
                    symbolizer.source() + "\n";
  // Module -> build id, listed once at the end.
  std::map<std::string, std::string> modules;
  for (const ThreadStack& s : stacks) {
    out += "\nthread " + std::to_string(s.thread.tid) + " \"" + s.thread.name +
           "\" state " + std::string(1, s.thread.state) + "\n";
    if (!s.answered) {
      out +=
          "  (no answer to the signal: the thread blocks it or is stopped)\n";
      continue;
    }
    for (size_t i = 0; i < s.pcs.size(); ++i) {
      // A caller's return address may already be past its function's end
      // (a call to a noreturn function): name the call instruction.
      const uintptr_t pc = i == 0 ? s.pcs[i] : s.pcs[i] - 1;
      const Frame f = symbolizer.Describe(pc);
      std::string index = std::to_string(i);
      out += "  #" + index +
             std::string(index.size() < 2 ? 3 - index.size() : 1, ' ') +
             hex(s.pcs[i], 16) + " ";
      if (!f.function.empty()) {
        out += f.function + "+" + hex(f.function_offset, 1) + " ";
      }
      const std::string module = f.module.empty() ? "?" : f.module;
      out += "(" + module + "+" + hex(f.vaddr, 1) + ")\n";
      modules.emplace(module, f.build_id);
    }
  }
  out += "\n# modules (addr2line -f -C -e MODULE VADDR names a frame)\n";
  for (const auto& [module, build_id] : modules) {
    out += "#   " + module +
           (build_id.empty() ? " (no build id)" : " build-id " + build_id) +
           "\n";
  }
  return out;
}

}  // namespace staticship::diagnostics
