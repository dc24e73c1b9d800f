// Active health checks: one thread per process (not per worker) GETs each
// target's health path every interval, off the request path, and publishes
// each endpoint's verdict in an atomic that workers read with one relaxed
// load. An endpoint turns unhealthy after `unhealthy_threshold` consecutive
// failures (non-2xx, timeout, refused) and healthy again after
// `healthy_threshold` consecutive 2xx answers. Probes run one after
// another, each bounded by its timeout.
//
//   HealthProber prober;
//   prober.SetTargets({.targets = {...}, .owner = runtime});
//   prober.Start();  ...  prober.Stop();
#ifndef STATICSHIP_SERVICES_GATEWAY_HEALTH_PROBER_H_
#define STATICSHIP_SERVICES_GATEWAY_HEALTH_PROBER_H_

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "services/gateway/config.h"

namespace staticship::gateway {

struct ProbeTarget {
  Endpoint endpoint;
  HealthCheckConfig config;
  std::atomic<bool>* healthy = nullptr;  // kept alive by ProbeSet::owner
};

struct ProbeSet {
  std::vector<ProbeTarget> targets;
  std::shared_ptr<const void> owner;
};

// One probe: true when `GET path` on the endpoint answers 2xx within
// `timeout` (connect, send and status line together).
bool ProbeOnce(const Endpoint& endpoint, std::string_view path, Millis timeout);

class HealthProber {
 public:
  HealthProber() = default;
  ~HealthProber() { Stop(); }
  HealthProber(const HealthProber&) = delete;
  HealthProber& operator=(const HealthProber&) = delete;

  // Replaces the targets (a reload); the new ones are probed at once and
  // their consecutive counts start from zero.
  void SetTargets(ProbeSet set);
  void Start();
  void Stop();

 private:
  void Run();

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool changed_ = false;
  ProbeSet pending_;
  std::thread thread_;
};

}  // namespace staticship::gateway

#endif  // STATICSHIP_SERVICES_GATEWAY_HEALTH_PROBER_H_
