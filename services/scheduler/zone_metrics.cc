#include "services/scheduler/zone_metrics.h"

namespace staticship::scheduler {

std::string RenderZoneMetrics(const ZonesConfig& in_force,
                              const EtcdZoneSource* etcd) {
  std::string out =
      "# HELP scheduler_zones Zones in force (file and etcd together)\n"
      "# TYPE scheduler_zones gauge\n"
      "scheduler_zones " +
      std::to_string(in_force.zones.size()) + "\n";
  if (etcd == nullptr) return out;
  EtcdZoneSource::Counts c = etcd->counts();
  out +=
      "# HELP scheduler_zones_from_etcd Zones defined by a valid value under "
      "<prefix>zones/\n"
      "# TYPE scheduler_zones_from_etcd gauge\n"
      "scheduler_zones_from_etcd " +
      std::to_string(c.etcd_zones) +
      "\n"
      "# HELP scheduler_zone_values_refused_total Zone values in etcd that "
      "did not parse (the zone kept its definition)\n"
      "# TYPE scheduler_zone_values_refused_total counter\n"
      "scheduler_zone_values_refused_total " +
      std::to_string(c.refused_total) +
      "\n"
      "# HELP scheduler_zone_relists_total Full reads of <prefix>zones/: at "
      "start and after a compacted watch\n"
      "# TYPE scheduler_zone_relists_total counter\n"
      "scheduler_zone_relists_total " +
      std::to_string(c.relists_total) + "\n";
  return out;
}

}  // namespace staticship::scheduler
