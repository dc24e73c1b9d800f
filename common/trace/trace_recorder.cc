#include "common/trace/trace_recorder.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>

namespace staticship::trace {
namespace {

int32_t CurrentTid() {
  // A syscall per event would double a span's cost; a thread's id never
  // changes, so each thread asks once.
  thread_local const int32_t tid = static_cast<int32_t>(::syscall(SYS_gettid));
  return tid;
}

}  // namespace

TraceRecorder::TraceRecorder(size_t capacity)
    : capacity_(std::max<size_t>(capacity, 1)) {}

int64_t TraceRecorder::NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void TraceRecorder::End(const char* category, const char* name,
                        int64_t start_ns, const SpanArgs& args) {
  if (start_ns == 0) return;
  Complete(category, name, start_ns, NowNs(), args);
}

void TraceRecorder::Complete(const char* category, const char* name,
                             int64_t start_ns, int64_t end_ns,
                             const SpanArgs& args) {
  if (start_ns == 0 || !active()) return;
  // Announce the write before checking again: Stop() clears active_ and
  // then waits for writers_ to drain, so either it sees this writer or this
  // writer sees the trace has ended (both sequentially consistent).
  writers_.fetch_add(1);
  if (active_.load()) {
    const size_t i = next_.fetch_add(1, std::memory_order_relaxed);
    if (i < capacity_) {
      Event& e = events_[i];
      e.category = category;
      e.name = name;
      e.start_ns = start_ns;
      e.duration_ns = end_ns > start_ns ? end_ns - start_ns : 0;
      e.tid = CurrentTid();
      e.text_key = args.text_key;
      const size_t n = std::min(args.text.size(), Event::kMaxText);
      std::memcpy(e.text, args.text.data(), n);
      e.text_size = static_cast<uint8_t>(n);
      e.number_key = args.number_key;
      e.number = args.number;
    } else {
      dropped_.fetch_add(1, std::memory_order_relaxed);
    }
  }
  writers_.fetch_sub(1, std::memory_order_release);
}

Status TraceRecorder::Start() {
  bool expected = false;
  if (!running_.compare_exchange_strong(expected, true)) {
    return MakeError(ErrorCode::kFailedPrecondition,
                     "a trace is already running");
  }
  // Allocated per trace: a recorder that never traces costs no memory.
  events_.reset(new Event[capacity_]);
  next_.store(0, std::memory_order_relaxed);
  dropped_.store(0, std::memory_order_relaxed);
  start_ns_ = NowNs();
  active_.store(true);
  return Status::Ok();
}

Trace TraceRecorder::Stop() {
  Trace trace;
  if (!running_.load()) return trace;
  active_.store(false);
  while (writers_.load() != 0) std::this_thread::yield();
  trace.end_ns = NowNs();
  trace.start_ns = start_ns_;
  trace.capacity = capacity_;
  trace.size = std::min(next_.load(std::memory_order_relaxed), capacity_);
  trace.dropped = dropped_.load(std::memory_order_relaxed);
  trace.events = std::move(events_);
  running_.store(false);
  return trace;
}

}  // namespace staticship::trace
