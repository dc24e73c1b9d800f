// Keeps a ZoneDirectory in step with <prefix>zones/ in etcd: one range read
// at Start, then a watch from the next revision (re-listed when etcd has
// compacted it away, reopened on the next member when it breaks). Every
// change is validated by EtcdZoneTable and the merged zones are swapped in
// at once; a refused value is one log line and changes nothing.
#ifndef STATICSHIP_SERVICES_SCHEDULER_ETCD_ZONE_SOURCE_H_
#define STATICSHIP_SERVICES_SCHEDULER_ETCD_ZONE_SOURCE_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/base/backoff.h"
#include "common/base/result.h"
#include "services/scheduler/etcd_client.h"
#include "services/scheduler/etcd_zone_table.h"
#include "services/scheduler/zone_directory.h"

namespace staticship::scheduler {

struct EtcdZoneSourceOptions {
  std::vector<std::string> endpoints;
  std::string prefix;  // the scheduler's --etcd-prefix; zones are under
                       // prefix + "zones/"
  std::chrono::milliseconds request_timeout{3000};
  uint64_t seed = 0;  // of the reconnect jitter
  std::function<void(const std::string&)> log;
};

class EtcdZoneSource {
 public:
  EtcdZoneSource(EtcdZoneSourceOptions options, ZonesConfig file_zones,
                 ZoneDirectory* directory);
  ~EtcdZoneSource();  // Stop()s
  EtcdZoneSource(const EtcdZoneSource&) = delete;
  EtcdZoneSource& operator=(const EtcdZoneSource&) = delete;

  // Lists the zones and publishes them, then watches on a thread. An error
  // when the first list fails: tasks whose zone is not known yet would be
  // refused or failed, so the caller should not serve without the zones.
  Status Start();
  void Stop();
  // A re-read --zones file (SIGHUP); etcd's zones stay on top.
  void SetFileZones(ZonesConfig file_zones);

  struct Counts {
    uint64_t etcd_zones = 0;
    uint64_t refused_total = 0;  // values that did not parse
    uint64_t relists_total = 0;
  };
  Counts counts() const;

 private:
  Status List();  // full read into the table; publishes
  void WatchLoop(Backoff::Rng rng);
  // Logs the problems, publishes the merged zones. Holds mu_.
  void PublishLocked(const std::vector<std::string>& problems);
  bool SleepUnlessStopping(std::chrono::milliseconds d);

  const EtcdZoneSourceOptions options_;
  const std::string zones_prefix_;
  ZoneDirectory* const directory_;
  etcd::EtcdClient client_;
  mutable std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  EtcdZoneTable table_;        // guarded by mu_
  int64_t next_revision_ = 0;  // guarded by mu_
  Counts counts_;              // guarded by mu_
  std::thread watcher_;
};

}  // namespace staticship::scheduler

#endif  // STATICSHIP_SERVICES_SCHEDULER_ETCD_ZONE_SOURCE_H_
