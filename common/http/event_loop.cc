#include "common/http/event_loop.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

namespace staticship::http {

namespace internal {

bool Mailbox::Push(std::function<void()> task) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return false;
  bool was_empty = tasks_.empty();
  tasks_.push_back(std::move(task));
  if (was_empty) {
    uint64_t one = 1;
    // A full counter (EAGAIN) still leaves the fd readable: wakeup happens.
    [[maybe_unused]] ssize_t n = ::write(event_fd_, &one, sizeof(one));
  }
  return true;
}

std::vector<std::function<void()>> Mailbox::TakeAll() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::function<void()>> out;
  out.swap(tasks_);
  return out;
}

void Mailbox::Close() {
  std::vector<std::function<void()>> dropped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    dropped.swap(tasks_);
  }
  SetOwner(std::thread::id());
  // Destroyed outside the lock: a task's captures may Post in destructors.
}

}  // namespace internal

Result<std::unique_ptr<EventLoop>> EventLoop::Create(int index) {
  int ep = ::epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0)
    return MakeError(std::string("epoll_create1: ") + std::strerror(errno));
  int ev = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (ev < 0) {
    int err = errno;
    ::close(ep);
    return MakeError(std::string("eventfd: ") + std::strerror(err));
  }
  epoll_event e{};
  e.events = EPOLLIN;
  e.data.u64 = 0;  // id 0 is the wakeup fd
  if (::epoll_ctl(ep, EPOLL_CTL_ADD, ev, &e) != 0) {
    int err = errno;
    ::close(ep);
    ::close(ev);
    return MakeError(std::string("epoll_ctl: ") + std::strerror(err));
  }
  return std::unique_ptr<EventLoop>(new EventLoop(index, ep, ev));
}

EventLoop::EventLoop(int index, int epoll_fd, int event_fd)
    : index_(index),
      epoll_fd_(epoll_fd),
      event_fd_(event_fd),
      mailbox_(std::make_shared<internal::Mailbox>(event_fd)),
      now_(Clock::now()) {}

EventLoop::~EventLoop() {
  mailbox_->Close();
  ::close(event_fd_);
  ::close(epoll_fd_);
}

bool EventLoop::InLoopThread() const { return mailbox_->OnLoopThread(); }

bool EventLoop::Post(Task task) { return mailbox_->Push(std::move(task)); }

void EventLoop::Quit() {
  quit_.store(true);
  // Wake the loop even if it sleeps in epoll_wait.
  mailbox_->Push([] {});
}

Result<uint64_t> EventLoop::Watch(int fd, uint32_t events,
                                  IoCallback callback) {
  uint64_t id = next_id_++;
  epoll_event e{};
  e.events = events;
  e.data.u64 = id;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &e) != 0) {
    return MakeError(std::string("epoll_ctl add: ") + std::strerror(errno));
  }
  watches_.emplace(
      id, WatchEntry{fd, std::make_shared<IoCallback>(std::move(callback))});
  return id;
}

Status EventLoop::Modify(uint64_t watch_id, uint32_t events) {
  auto it = watches_.find(watch_id);
  if (it == watches_.end()) return MakeError("unknown watch");
  epoll_event e{};
  e.events = events;
  e.data.u64 = watch_id;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, it->second.fd, &e) != 0) {
    return MakeError(std::string("epoll_ctl mod: ") + std::strerror(errno));
  }
  return Status::Ok();
}

Status EventLoop::SetCallback(uint64_t watch_id, IoCallback callback) {
  auto it = watches_.find(watch_id);
  if (it == watches_.end()) return MakeError("unknown watch");
  // A running callback keeps its own reference (see Run), so replacing it
  // from inside itself is safe.
  it->second.callback = std::make_shared<IoCallback>(std::move(callback));
  return Status::Ok();
}

void EventLoop::Unwatch(uint64_t watch_id) {
  auto it = watches_.find(watch_id);
  if (it == watches_.end()) return;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, it->second.fd, nullptr);
  watches_.erase(it);
}

uint64_t EventLoop::RunAfter(Clock::duration delay, Task task) {
  uint32_t slot;
  if (!free_timer_slots_.empty()) {
    slot = free_timer_slots_.back();
    free_timer_slots_.pop_back();
  } else {
    slot = static_cast<uint32_t>(timer_slots_.size());
    timer_slots_.emplace_back();
  }
  TimerSlot& t = timer_slots_[slot];
  t.when = Clock::now() + delay;
  t.seq = next_timer_seq_++;
  t.task = std::move(task);
  t.heap_index = static_cast<int32_t>(timer_heap_.size());
  timer_heap_.push_back(slot);
  SiftUp(timer_heap_.size() - 1);
  return (uint64_t{t.generation} << 32) | slot;
}

void EventLoop::Cancel(uint64_t timer_id) {
  uint32_t slot = static_cast<uint32_t>(timer_id);
  uint32_t generation = static_cast<uint32_t>(timer_id >> 32);
  if (slot >= timer_slots_.size()) return;
  const TimerSlot& t = timer_slots_[slot];
  if (t.generation != generation || t.heap_index < 0) return;
  // Destroyed after the slot is consistent again: its captures' destructors
  // may arm or cancel timers.
  Task dropped = ReleaseTimer(slot);
}

bool EventLoop::TimerBefore(uint32_t a, uint32_t b) const {
  const TimerSlot& x = timer_slots_[a];
  const TimerSlot& y = timer_slots_[b];
  return x.when < y.when || (x.when == y.when && x.seq < y.seq);
}

void EventLoop::HeapSwap(size_t i, size_t j) {
  std::swap(timer_heap_[i], timer_heap_[j]);
  timer_slots_[timer_heap_[i]].heap_index = static_cast<int32_t>(i);
  timer_slots_[timer_heap_[j]].heap_index = static_cast<int32_t>(j);
}

void EventLoop::SiftUp(size_t i) {
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (!TimerBefore(timer_heap_[i], timer_heap_[parent])) break;
    HeapSwap(i, parent);
    i = parent;
  }
}

void EventLoop::SiftDown(size_t i) {
  size_t n = timer_heap_.size();
  while (true) {
    size_t first = i;
    size_t left = 2 * i + 1;
    size_t right = left + 1;
    if (left < n && TimerBefore(timer_heap_[left], timer_heap_[first])) {
      first = left;
    }
    if (right < n && TimerBefore(timer_heap_[right], timer_heap_[first])) {
      first = right;
    }
    if (first == i) break;
    HeapSwap(i, first);
    i = first;
  }
}

EventLoop::Task EventLoop::ReleaseTimer(uint32_t slot) {
  TimerSlot& t = timer_slots_[slot];
  size_t i = static_cast<size_t>(t.heap_index);
  size_t last = timer_heap_.size() - 1;
  if (i != last) {
    HeapSwap(i, last);
    timer_heap_.pop_back();
    SiftDown(i);
    SiftUp(i);
  } else {
    timer_heap_.pop_back();
  }
  t.heap_index = -1;
  ++t.generation;
  Task task = std::move(t.task);
  t.task = nullptr;
  free_timer_slots_.push_back(slot);
  return task;
}

int EventLoop::NextTimeoutMs() const {
  if (timer_heap_.empty()) return 1000;
  auto delta = timer_slots_[timer_heap_.front()].when - Clock::now();
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(delta).count();
  if (ms < 0) return 0;
  return ms > 1000 ? 1000 : static_cast<int>(ms);
}

void EventLoop::RunTasks() {
  uint64_t counter;
  [[maybe_unused]] ssize_t n = ::read(event_fd_, &counter, sizeof(counter));
  for (Task& task : mailbox_->TakeAll()) task();
}

void EventLoop::RunTimers() {
  now_ = Clock::now();
  while (!timer_heap_.empty() &&
         timer_slots_[timer_heap_.front()].when <= now_) {
    Task task = ReleaseTimer(timer_heap_.front());
    task();
  }
}

void EventLoop::StartLagProbe(Clock::duration interval) {
  if (lag_probe_started_ || interval <= Clock::duration::zero()) return;
  lag_probe_started_ = true;
  Clock::time_point deadline = Clock::now() + interval;
  RunAfter(interval,
           [this, deadline, interval] { ProbeLag(deadline, interval); });
}

void EventLoop::ProbeLag(Clock::time_point deadline, Clock::duration interval) {
  constexpr uint64_t kWindow = 100;
  const int64_t lag_us = std::max<int64_t>(
      0, std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() -
                                                               deadline)
             .count());
  if (lag_window_samples_++ == kWindow) {
    lag_previous_window_max_us_ = lag_window_max_us_;
    lag_window_max_us_ = 0;
    lag_window_samples_ = 1;
  }
  lag_window_max_us_ = std::max(lag_window_max_us_, lag_us);
  lag_->last_us.store(lag_us, std::memory_order_relaxed);
  lag_->recent_max_us.store(
      std::max(lag_window_max_us_, lag_previous_window_max_us_),
      std::memory_order_relaxed);
  lag_->total_us.fetch_add(lag_us, std::memory_order_relaxed);
  lag_->samples.fetch_add(1, std::memory_order_relaxed);
  Clock::time_point next = Clock::now() + interval;
  RunAfter(interval, [this, next, interval] { ProbeLag(next, interval); });
}

void EventLoop::Run() {
  mailbox_->SetOwner(std::this_thread::get_id());
  constexpr int kMaxEvents = 128;
  epoll_event events[kMaxEvents];
  while (!quit_.load(std::memory_order_relaxed)) {
    int n = ::epoll_wait(epoll_fd_, events, kMaxEvents, NextTimeoutMs());
    now_ = Clock::now();
    for (int i = 0; i < n; ++i) {
      uint64_t id = events[i].data.u64;
      if (id == 0) {
        RunTasks();
        continue;
      }
      auto it = watches_.find(id);
      if (it == watches_.end()) continue;  // removed earlier in this batch
      std::shared_ptr<IoCallback> callback = it->second.callback;
      (*callback)(events[i].events);
    }
    RunTimers();
  }
  mailbox_->SetOwner(std::thread::id());
}

}  // namespace staticship::http
