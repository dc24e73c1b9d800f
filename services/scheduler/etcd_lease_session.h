// This instance's etcd lease: granted at start, kept alive at a third of
// its TTL, granted anew when etcd forgets it. Every claim is attached to
// it, so while it lives the other instances leave our tasks alone, and when
// this process dies they take them over once the TTL has run out.
//
// The session is a step function: EtcdStore's session thread calls Step
// and sleeps for what it returns, until the store stops. The decisions
// (when to retry, when the lease counts as lost) are so tested without an
// etcd and without waiting.
#ifndef STATICSHIP_SERVICES_SCHEDULER_ETCD_LEASE_SESSION_H_
#define STATICSHIP_SERVICES_SCHEDULER_ETCD_LEASE_SESSION_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "common/base/backoff.h"
#include "common/base/result.h"

namespace staticship::scheduler {

class LeaseSession {
 public:
  // etcd's lease calls (EtcdClient's in production).
  struct Calls {
    // Returns the new lease's id.
    std::function<Result<int64_t>(int64_t ttl_seconds)> grant;
    // Returns the remaining TTL; 0 means etcd no longer knows the lease.
    std::function<Result<int64_t>(int64_t lease)> keep_alive;
  };
  // Called from Step, on the session thread.
  struct Events {
    std::function<void(int64_t lease)> granted;
    // etcd forgot the lease while we held it: its claims are gone and
    // another instance may already dispatch what this one still holds.
    std::function<void()> lost;
    // Whether the lease is good, and why (for Health and the log).
    std::function<void(bool healthy, const std::string& why)> health;
  };

  // Retries back off from this to kMaxRetryDelayMs, with full jitter.
  static constexpr int64_t kRetryBaseMs = 100;
  static constexpr int64_t kMaxRetryDelayMs = 2000;

  // `rng` jitters the retries (Backoff::Rng).
  LeaseSession(int64_t ttl_seconds, Calls calls, Events events,
               Backoff::Rng rng);

  // One grant or keep-alive; returns how long to wait before the next.
  std::chrono::milliseconds Step();

  // The lease held now; 0 while there is none. Any thread.
  int64_t lease() const { return lease_.load(); }
  // Keep-alives go at a third of the TTL, so two may fail in a row.
  std::chrono::milliseconds keepalive_every() const { return keepalive_every_; }

 private:
  std::chrono::milliseconds Retry();
  void Report(bool healthy, const std::string& why) const;

  const int64_t ttl_seconds_;
  const std::chrono::milliseconds keepalive_every_;
  const Calls calls_;
  const Events events_;
  const Backoff backoff_;
  std::atomic<int64_t> lease_{0};
  int failures_ = 0;  // in a row
};

}  // namespace staticship::scheduler

#endif  // STATICSHIP_SERVICES_SCHEDULER_ETCD_LEASE_SESSION_H_
