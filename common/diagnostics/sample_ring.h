// A bounded multi-producer, multi-consumer queue of stack samples (Dmitry
// Vyukov's array queue): signal handlers push without locks or allocation,
// the profiler's collector thread pops. A full queue drops the sample and
// counts it; nothing ever waits on a signal handler.
#ifndef STATICSHIP_COMMON_DIAGNOSTICS_SAMPLE_RING_H_
#define STATICSHIP_COMMON_DIAGNOSTICS_SAMPLE_RING_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

#include "common/diagnostics/stack_unwinder.h"

namespace staticship::diagnostics {

struct StackSample {
  int32_t tid = 0;
  int32_t depth = 0;
  // How many periods of CPU the sample stands for: a timer that expired
  // again before its signal was delivered (the kernel checks CPU timers
  // once per tick) reports the extra expiries as its overrun.
  int32_t weight = 1;
  uintptr_t pcs[kMaxFrames];
};

class SampleRing {
 public:
  // `capacity` is rounded up to a power of two.
  explicit SampleRing(size_t capacity) {
    size_t n = 2;
    while (n < capacity) n *= 2;
    mask_ = n - 1;
    slots_ = std::make_unique<Slot[]>(n);
    for (size_t i = 0; i < n; ++i) {
      slots_[i].sequence.store(i, std::memory_order_relaxed);
    }
  }

  // Async-signal-safe. False, and counted, when the ring is full.
  bool Push(int32_t tid, const uintptr_t* pcs, int depth, int32_t weight = 1) {
    size_t pos = enqueue_.load(std::memory_order_relaxed);
    Slot* slot;
    for (;;) {
      slot = &slots_[pos & mask_];
      const size_t seq = slot->sequence.load(std::memory_order_acquire);
      const auto dif =
          static_cast<std::ptrdiff_t>(seq) - static_cast<std::ptrdiff_t>(pos);
      if (dif == 0) {
        if (enqueue_.compare_exchange_weak(pos, pos + 1,
                                           std::memory_order_relaxed)) {
          break;
        }
      } else if (dif < 0) {
        dropped_.fetch_add(1, std::memory_order_relaxed);
        return false;
      } else {
        pos = enqueue_.load(std::memory_order_relaxed);
      }
    }
    if (depth > kMaxFrames) depth = kMaxFrames;
    if (depth < 0) depth = 0;
    slot->sample.tid = tid;
    slot->sample.depth = depth;
    slot->sample.weight = weight;
    std::memcpy(slot->sample.pcs, pcs,
                static_cast<size_t>(depth) * sizeof(uintptr_t));
    slot->sequence.store(pos + 1, std::memory_order_release);
    return true;
  }

  // False when nothing is ready (a push still being written counts as not
  // ready; it is popped on a later call).
  bool Pop(StackSample* out) {
    size_t pos = dequeue_.load(std::memory_order_relaxed);
    Slot* slot;
    for (;;) {
      slot = &slots_[pos & mask_];
      const size_t seq = slot->sequence.load(std::memory_order_acquire);
      const auto dif = static_cast<std::ptrdiff_t>(seq) -
                       static_cast<std::ptrdiff_t>(pos + 1);
      if (dif == 0) {
        if (dequeue_.compare_exchange_weak(pos, pos + 1,
                                           std::memory_order_relaxed)) {
          break;
        }
      } else if (dif < 0) {
        return false;
      } else {
        pos = dequeue_.load(std::memory_order_relaxed);
      }
    }
    out->tid = slot->sample.tid;
    out->depth = slot->sample.depth;
    out->weight = slot->sample.weight;
    std::memcpy(out->pcs, slot->sample.pcs,
                static_cast<size_t>(out->depth) * sizeof(uintptr_t));
    slot->sequence.store(pos + mask_ + 1, std::memory_order_release);
    return true;
  }

  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  size_t capacity() const { return mask_ + 1; }

 private:
  struct Slot {
    std::atomic<size_t> sequence{0};
    StackSample sample;
  };
  static_assert(std::atomic<size_t>::is_always_lock_free,
                "signal handlers need lock-free atomics");

  std::unique_ptr<Slot[]> slots_;
  size_t mask_ = 0;
  alignas(64) std::atomic<size_t> enqueue_{0};
  alignas(64) std::atomic<size_t> dequeue_{0};
  std::atomic<uint64_t> dropped_{0};
};

}  // namespace staticship::diagnostics

#endif  // STATICSHIP_COMMON_DIAGNOSTICS_SAMPLE_RING_H_
