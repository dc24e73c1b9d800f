// A single-threaded epoll event loop with timers and a cross-thread task
// queue. Each server worker runs one; handlers reach theirs through
// Responder::loop() to register their own non-blocking sockets (the gateway's
// upstream connections) so that no thread ever blocks on a peer.
//
//   // on the loop thread:
//   auto id = loop.Watch(fd, EPOLLIN, [&](uint32_t events) { ... });
//   loop.Modify(*id, EPOLLIN | EPOLLOUT);
//   uint64_t t = loop.RunAfter(std::chrono::milliseconds(3000), [&] { ... });
//   loop.Cancel(t);
//   loop.Unwatch(*id);   // before closing fd
//   // from any thread:
//   loop.Post([&] { ... runs on the loop thread ... });
//
// Watches are level-triggered. Callbacks may Watch/Unwatch/Cancel anything,
// including themselves; events for a watch removed earlier in the same batch
// are dropped (ids are never reused, unlike fds).
#ifndef STATICSHIP_COMMON_HTTP_EVENT_LOOP_H_
#define STATICSHIP_COMMON_HTTP_EVENT_LOOP_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/base/result.h"

namespace staticship::http {

namespace internal {
// Outlives the loop so that late Post()s from other threads (a responder
// fired after shutdown) are dropped instead of touching freed memory.
class Mailbox {
 public:
  explicit Mailbox(int event_fd) : event_fd_(event_fd) {}
  // Returns false when the loop is gone.
  bool Push(std::function<void()> task);
  std::vector<std::function<void()>> TakeAll();
  void Close();
  // True on the thread running the loop, while the loop exists.
  bool OnLoopThread() const {
    return owner_.load(std::memory_order_acquire) == std::this_thread::get_id();
  }
  void SetOwner(std::thread::id id) {
    owner_.store(id, std::memory_order_release);
  }

 private:
  std::atomic<std::thread::id> owner_{};
  std::mutex mu_;
  std::vector<std::function<void()>> tasks_;
  bool closed_ = false;
  int event_fd_;
};
}  // namespace internal

// How late a loop's periodic probe timer fires against its deadline: how
// long a ready event waits because the loop thread is busy (a slow handler,
// a blocking call). Written by the loop thread, read from any thread.
// Resolution is about 1 ms, the unit of epoll_wait's timeout.
struct LoopLagStats {
  std::atomic<int64_t> last_us{0};
  // The largest lag of the current and the previous window (of 100
  // probes), so a spike stays visible for a while and then ages out.
  std::atomic<int64_t> recent_max_us{0};
  std::atomic<uint64_t> samples{0};
  std::atomic<int64_t> total_us{0};
};

class EventLoop {
 public:
  using Clock = std::chrono::steady_clock;
  using IoCallback = std::function<void(uint32_t events)>;
  using Task = std::function<void()>;

  // `index` identifies the loop among a server's workers (0..N-1) so that
  // callers can keep per-loop state in a vector.
  static Result<std::unique_ptr<EventLoop>> Create(int index = 0);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Runs until Quit(); the calling thread becomes the loop thread.
  void Run();
  // Any thread.
  void Quit();
  // Any thread. Returns false if the loop has been destroyed or has quit.
  bool Post(Task task);
  bool InLoopThread() const;
  int index() const { return index_; }

  // Loop thread only. `events` are EPOLLIN/EPOLLOUT/...; EPOLLERR and
  // EPOLLHUP are always reported.
  Result<uint64_t> Watch(int fd, uint32_t events, IoCallback callback);
  Status Modify(uint64_t watch_id, uint32_t events);
  // Replaces the callback without a syscall (e.g. handing a pooled upstream
  // connection from its idle watcher to a request and back).
  Status SetCallback(uint64_t watch_id, IoCallback callback);
  void Unwatch(uint64_t watch_id);

  // Loop thread only. Timers fire on the loop thread, at most once, in
  // deadline order (creation order for equal deadlines). Cancelling a timer
  // that has fired or was cancelled is a no-op.
  uint64_t RunAfter(Clock::duration delay, Task task);
  void Cancel(uint64_t timer_id);

  // Time at the start of the current iteration (cheap; avoids a clock read
  // per request).
  Clock::time_point now() const { return now_; }

  std::shared_ptr<internal::Mailbox> mailbox() const { return mailbox_; }

  // Loop thread, or before Run(). Arms a timer every `interval` that
  // measures its own lateness into lag_stats(); once is enough.
  void StartLagProbe(Clock::duration interval);
  // Outlives the loop, so a reader in another thread never races its end.
  std::shared_ptr<const LoopLagStats> lag_stats() const { return lag_; }

 private:
  EventLoop(int index, int epoll_fd, int event_fd);
  void RunTasks();
  void RunTimers();
  int NextTimeoutMs() const;
  void ProbeLag(Clock::time_point deadline, Clock::duration interval);

  struct WatchEntry {
    int fd;
    std::shared_ptr<IoCallback> callback;
  };

  // Timers live in reusable slots ordered by a binary heap of slot indexes,
  // so that arming and cancelling one (every proxied request does both) costs
  // no allocation once the vectors have grown; a std::map would allocate a
  // node per timer. A timer id is the slot index plus the slot's generation,
  // which changes whenever the slot is freed: stale ids never match.
  struct TimerSlot {
    Clock::time_point when;
    uint64_t seq = 0;  // creation order, breaks deadline ties
    uint32_t generation = 1;
    int32_t heap_index = -1;  // -1: free
    Task task;
  };
  bool TimerBefore(uint32_t a, uint32_t b) const;
  void HeapSwap(size_t i, size_t j);
  void SiftUp(size_t i);
  void SiftDown(size_t i);
  // Unlinks the slot and returns its task; the caller runs or drops it.
  Task ReleaseTimer(uint32_t slot);

  int index_;
  int epoll_fd_;
  int event_fd_;
  std::shared_ptr<internal::Mailbox> mailbox_;
  std::atomic<bool> quit_{false};
  uint64_t next_id_ = 1;
  std::unordered_map<uint64_t, WatchEntry> watches_;
  std::vector<TimerSlot> timer_slots_;
  std::vector<uint32_t> free_timer_slots_;
  std::vector<uint32_t> timer_heap_;  // slot indexes, earliest first
  uint64_t next_timer_seq_ = 0;
  Clock::time_point now_;
  std::shared_ptr<LoopLagStats> lag_ = std::make_shared<LoopLagStats>();
  bool lag_probe_started_ = false;
  int64_t lag_window_max_us_ = 0;
  int64_t lag_previous_window_max_us_ = 0;
  uint64_t lag_window_samples_ = 0;
};

}  // namespace staticship::http

#endif  // STATICSHIP_COMMON_HTTP_EVENT_LOOP_H_
