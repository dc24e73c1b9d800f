// A zone as an operator writes it into etcd, one key per zone:
//
//   etcdctl put <prefix>zones/cn-1 "$(cat cn-1.json)"
//
// where cn-1.json holds
//
//   {"endpoints":[{"address":"10.0.0.7:9001","weight":3},"10.0.0.8:9001"],
//    "path":"/dispatch","max_in_flight":100}
//
// "endpoints" is required and non-empty; an endpoint is "host:port" (weight
// 1) or {"address": "host:port", "weight": N}; "path" defaults to
// /dispatch; "max_in_flight" to the default cap. Unknown fields are refused
// so that a misspelt one is not silently ignored.
#ifndef STATICSHIP_SERVICES_SCHEDULER_ZONE_JSON_H_
#define STATICSHIP_SERVICES_SCHEDULER_ZONE_JSON_H_

#include <string>
#include <string_view>

#include "common/base/result.h"
#include "services/scheduler/zones_config.h"

namespace staticship::scheduler {

// Zone ids that can be a key's last segment and a metric label: letters,
// digits, '-', '_' and '.', at most 128 of them.
bool ValidZoneId(std::string_view id);

// The error names the first thing wrong, e.g. "endpoints[1]: weight must be
// in [1, 1000]".
Result<Zone> ParseZoneJson(std::string_view id, std::string_view value);

}  // namespace staticship::scheduler

#endif  // STATICSHIP_SERVICES_SCHEDULER_ZONE_JSON_H_
