// A bounded event trace that costs one relaxed atomic load per hook point
// while no trace runs. /debug/trace starts one for N seconds; the gateway
// (accept, parse, route, upstream, respond) and the scheduler (submit,
// queue, dispatch, outcome) record spans into it from any thread:
//
//   int64_t t0 = trace::StartNs(recorder);   // 0 unless a trace runs
//   ... the work ...
//   if (t0 != 0) recorder->End("gateway", "route", t0, {"route", name});
//
// The buffer is allocated when a trace starts and holds `capacity` events;
// beyond it events are dropped and counted, never grown. Recording is
// lock-free (one fetch_add for the slot); Stop() waits for writers that are
// between their check and their write, so the buffer it hands out is final.
#ifndef STATICSHIP_COMMON_TRACE_TRACE_RECORDER_H_
#define STATICSHIP_COMMON_TRACE_TRACE_RECORDER_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "common/base/result.h"

namespace staticship::trace {

// What a span says besides its name: one text and one number, each with a
// static key (nullptr: absent). Text is copied, up to kMaxText bytes.
struct SpanArgs {
  const char* text_key = nullptr;
  std::string_view text;
  const char* number_key = nullptr;
  int64_t number = 0;
};

struct Event {
  static constexpr size_t kMaxText = 63;
  const char* category;  // static strings: no copy on the hot path
  const char* name;
  int64_t start_ns;  // steady clock
  int64_t duration_ns;
  int32_t tid;
  uint8_t text_size;
  const char* text_key;
  const char* number_key;
  int64_t number;
  char text[kMaxText];
};

// What Stop() hands out: the events in recording order (not sorted by
// time: spans end in any order).
struct Trace {
  std::unique_ptr<Event[]> events;
  size_t size = 0;
  uint64_t dropped = 0;
  size_t capacity = 0;
  int64_t start_ns = 0;
  int64_t end_ns = 0;
};

class TraceRecorder {
 public:
  static constexpr size_t kDefaultCapacity = size_t{1} << 16;

  explicit TraceRecorder(size_t capacity = kDefaultCapacity);
  TraceRecorder(const TraceRecorder&) = delete;
  TraceRecorder& operator=(const TraceRecorder&) = delete;

  bool active() const { return active_.load(std::memory_order_relaxed); }
  // The span's start when a trace runs, else 0; no clock read when off.
  int64_t StartNs() const { return active() ? NowNs() : 0; }
  // Records [start_ns, now) unless start_ns is 0 or the trace has ended.
  void End(const char* category, const char* name, int64_t start_ns,
           const SpanArgs& args = {});
  void Complete(const char* category, const char* name, int64_t start_ns,
                int64_t end_ns, const SpanArgs& args = {});

  // kFailedPrecondition while another trace runs.
  Status Start();
  // Ends the running trace (an empty one when none runs).
  Trace Stop();

  size_t capacity() const { return capacity_; }
  static int64_t NowNs();

 private:
  const size_t capacity_;
  std::atomic<bool> active_{false};
  std::atomic<bool> running_{false};  // between Start and Stop
  std::atomic<int> writers_{0};
  std::atomic<size_t> next_{0};
  std::atomic<uint64_t> dropped_{0};
  std::unique_ptr<Event[]> events_;
  int64_t start_ns_ = 0;
};

// For hook points whose recorder is optional.
inline int64_t StartNs(const TraceRecorder* recorder) {
  return recorder != nullptr ? recorder->StartNs() : 0;
}

}  // namespace staticship::trace

#endif  // STATICSHIP_COMMON_TRACE_TRACE_RECORDER_H_
