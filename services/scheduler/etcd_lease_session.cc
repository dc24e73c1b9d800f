#include "services/scheduler/etcd_lease_session.h"

#include <algorithm>
#include <utility>

namespace staticship::scheduler {

using std::chrono::milliseconds;

LeaseSession::LeaseSession(int64_t ttl_seconds, Calls calls, Events events,
                           Backoff::Rng rng)
    : ttl_seconds_(ttl_seconds),
      keepalive_every_(std::max<int64_t>(200, ttl_seconds * 1000 / 3)),
      calls_(std::move(calls)),
      events_(std::move(events)),
      backoff_(std::move(rng), kMaxRetryDelayMs) {}

void LeaseSession::Report(bool healthy, const std::string& why) const {
  if (events_.health) events_.health(healthy, why);
}

milliseconds LeaseSession::Retry() {
  return milliseconds(backoff_.DelayMs(kRetryBaseMs, ++failures_));
}

milliseconds LeaseSession::Step() {
  int64_t lease = lease_.load();
  if (lease == 0) {
    Result<int64_t> granted = calls_.grant(ttl_seconds_);
    if (!granted.ok()) {
      Report(false, "lease grant: " + granted.message());
      return Retry();
    }
    lease_.store(*granted);
    failures_ = 0;
    Report(true, "holding lease " + std::to_string(*granted));
    if (events_.granted) events_.granted(*granted);
    return keepalive_every_;
  }
  Result<int64_t> ttl = calls_.keep_alive(lease);
  if (ttl.ok() && *ttl > 0) {
    failures_ = 0;
    Report(true, "lease kept alive again");
    return keepalive_every_;
  }
  if (ttl.ok()) {
    lease_.store(0);
    Report(false, "lease expired");
    if (events_.lost) events_.lost();
    return milliseconds(0);  // a new lease at once
  }
  Report(false, "keepalive: " + ttl.message());
  // Sooner than the next regular keep-alive, so that a short outage does
  // not cost the lease.
  return std::min(Retry(), keepalive_every_);
}

}  // namespace staticship::scheduler
