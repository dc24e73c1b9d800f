// The zones in force right now, for the api, the core's caps, the dispatcher
// and etcd_store. Zones change while tasks run (etcd, SIGHUP), so readers
// take an immutable snapshot per decision instead of holding references into
// a config that a reload could free under them.
//
//   ZoneDirectory zones(std::move(from_file));
//   auto now = zones.Snapshot();        // stays valid however long it is held
//   if (const Zone* z = now->Find(id)) ...
//   zones.Replace(std::move(reloaded));  // later readers see the new zones
#ifndef STATICSHIP_SERVICES_SCHEDULER_ZONE_DIRECTORY_H_
#define STATICSHIP_SERVICES_SCHEDULER_ZONE_DIRECTORY_H_

#include <memory>
#include <mutex>
#include <string_view>

#include "services/scheduler/zones_config.h"

namespace staticship::scheduler {

class ZoneDirectory {
 public:
  explicit ZoneDirectory(ZonesConfig initial = {});
  ZoneDirectory(const ZoneDirectory&) = delete;
  ZoneDirectory& operator=(const ZoneDirectory&) = delete;

  std::shared_ptr<const ZonesConfig> Snapshot() const;
  void Replace(ZonesConfig zones);

  bool Known(std::string_view zone) const;
  int CapFor(std::string_view zone, int workers) const;

 private:
  // A mutex rather than std::atomic<std::shared_ptr>: libc++ lacks the
  // latter, and the critical section is one reference count increment.
  mutable std::mutex mu_;
  std::shared_ptr<const ZonesConfig> current_;
};

}  // namespace staticship::scheduler

#endif  // STATICSHIP_SERVICES_SCHEDULER_ZONE_DIRECTORY_H_
