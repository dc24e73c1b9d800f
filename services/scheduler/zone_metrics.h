// /metrics families about zones: how many are in force, how many come from
// etcd, and how many etcd values were refused.
#ifndef STATICSHIP_SERVICES_SCHEDULER_ZONE_METRICS_H_
#define STATICSHIP_SERVICES_SCHEDULER_ZONE_METRICS_H_

#include <string>

#include "services/scheduler/etcd_zone_source.h"
#include "services/scheduler/zones_config.h"

namespace staticship::scheduler {

// `etcd` is null when zones do not come from etcd.
std::string RenderZoneMetrics(const ZonesConfig& in_force,
                              const EtcdZoneSource* etcd);

}  // namespace staticship::scheduler

#endif  // STATICSHIP_SERVICES_SCHEDULER_ZONE_METRICS_H_
