#include "services/gateway/circuit_breaker.h"

namespace staticship::gateway {

CircuitBreaker::CircuitBreaker(BreakerConfig config, NowFn now)
    : config_(config), now_(std::move(now)), buckets_(kBuckets) {
  bucket_width_ = std::chrono::duration_cast<Clock::duration>(config_.window) /
                  static_cast<int64_t>(kBuckets);
  if (bucket_width_ <= Clock::duration::zero()) {
    bucket_width_ = std::chrono::milliseconds(1);
  }
}

std::string_view StateName(CircuitBreaker::State state) {
  switch (state) {
    case CircuitBreaker::State::kClosed:
      return "closed";
    case CircuitBreaker::State::kOpen:
      return "open";
    case CircuitBreaker::State::kHalfOpen:
      return "half_open";
  }
  return "unknown";
}

void CircuitBreaker::TransitionLocked(State to, Clock::time_point now) {
  state_ = to;
  ++generation_;
  probes_started_ = 0;
  probes_succeeded_ = 0;
  if (to == State::kOpen) opened_at_ = now;
  if (to == State::kClosed) {
    for (Bucket& b : buckets_) b = Bucket{};
  }
}

void CircuitBreaker::AdvanceLocked(Clock::time_point now) {
  if (state_ == State::kOpen && now - opened_at_ >= config_.open_for) {
    TransitionLocked(State::kHalfOpen, now);
  }
}

CircuitBreaker::Bucket& CircuitBreaker::CurrentBucketLocked(
    Clock::time_point now) {
  int64_t index = now.time_since_epoch() / bucket_width_;
  Bucket& b = buckets_[static_cast<size_t>(index) % kBuckets];
  if (b.start != index) b = Bucket{index, 0, 0};
  return b;
}

CircuitBreaker::Ticket CircuitBreaker::Allow() {
  Clock::time_point now = now_();
  std::lock_guard<std::mutex> lock(mu_);
  AdvanceLocked(now);
  switch (state_) {
    case State::kClosed:
      return Ticket{true, generation_};
    case State::kOpen:
      return Ticket{false, generation_};
    case State::kHalfOpen:
      if (probes_started_ < config_.half_open_probes) {
        ++probes_started_;
        return Ticket{true, generation_};
      }
      return Ticket{false, generation_};
  }
  return Ticket{};
}

void CircuitBreaker::Record(const Ticket& ticket, bool success) {
  if (!ticket.allowed) return;
  Clock::time_point now = now_();
  std::lock_guard<std::mutex> lock(mu_);
  AdvanceLocked(now);
  if (ticket.generation != generation_) return;
  if (state_ == State::kHalfOpen) {
    if (!success) {
      TransitionLocked(State::kOpen, now);
    } else if (++probes_succeeded_ >= config_.half_open_probes) {
      TransitionLocked(State::kClosed, now);
    }
    return;
  }
  if (state_ != State::kClosed) return;
  Bucket& current = CurrentBucketLocked(now);
  ++current.total;
  if (!success) ++current.failures;
  // Sum the buckets still inside the window.
  int64_t now_index = now.time_since_epoch() / bucket_width_;
  uint64_t total = 0;
  uint64_t failures = 0;
  for (const Bucket& b : buckets_) {
    if (b.start >= 0 && now_index - b.start < static_cast<int64_t>(kBuckets)) {
      total += b.total;
      failures += b.failures;
    }
  }
  if (total >= config_.min_requests &&
      static_cast<double>(failures) >=
          config_.error_ratio * static_cast<double>(total)) {
    TransitionLocked(State::kOpen, now);
  }
}

void CircuitBreaker::Cancel(const Ticket& ticket) {
  if (!ticket.allowed) return;
  Clock::time_point now = now_();
  std::lock_guard<std::mutex> lock(mu_);
  AdvanceLocked(now);
  if (ticket.generation != generation_) return;
  if (state_ == State::kHalfOpen && probes_started_ > 0) --probes_started_;
}

CircuitBreaker::State CircuitBreaker::state() {
  Clock::time_point now = now_();
  std::lock_guard<std::mutex> lock(mu_);
  AdvanceLocked(now);
  return state_;
}

}  // namespace staticship::gateway
