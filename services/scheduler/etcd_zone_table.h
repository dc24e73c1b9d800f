// The zones as etcd says under <prefix>zones/, layered over the --zones
// file: a zone defined in etcd wins over the file's zone of the same id
// (etcd is what operators change live; the file is the seed a fresh cluster
// starts from), and deleting the key falls back to the file's zone, if any.
//
// A value that does not parse is reported and ignored: the zone keeps its
// previous definition (or stays unknown), so a typo in `etcdctl put` cannot
// take a working zone away. Not thread-safe; EtcdZoneSource owns one.
#ifndef STATICSHIP_SERVICES_SCHEDULER_ETCD_ZONE_TABLE_H_
#define STATICSHIP_SERVICES_SCHEDULER_ETCD_ZONE_TABLE_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "services/scheduler/etcd_codec.h"
#include "services/scheduler/zones_config.h"

namespace staticship::scheduler {

class EtcdZoneTable {
 public:
  // `prefix` is the zones prefix itself, e.g. "/staticship/scheduler/zones/".
  EtcdZoneTable(std::string prefix, ZonesConfig file_zones);

  // A full list (start, or after a compaction): keys no longer listed are
  // gone. Returns one line per value refused.
  std::vector<std::string> Replace(const std::vector<etcd::KeyValue>& kvs);
  std::vector<std::string> Apply(const std::vector<etcd::Event>& events);
  void SetFileZones(ZonesConfig file_zones);

  // The file's zones with etcd's on top.
  ZonesConfig Merged() const;
  size_t etcd_zone_count() const { return from_etcd_.size(); }

 private:
  // Parses a put into from_etcd_, or says why it kept the old definition.
  void Put(const etcd::KeyValue& kv, std::vector<std::string>* problems);
  // The zone id of a key, or "" (with a problem) for a key that names none.
  std::string IdOf(std::string_view key,
                   std::vector<std::string>* problems) const;

  const std::string prefix_;
  ZonesConfig file_zones_;
  std::map<std::string, Zone, std::less<>> from_etcd_;
};

}  // namespace staticship::scheduler

#endif  // STATICSHIP_SERVICES_SCHEDULER_ETCD_ZONE_TABLE_H_
