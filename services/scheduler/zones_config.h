// The zones file: zone id -> game servers, the path to POST to, and the
// zone's in-flight cap. A game server is "host:port" (weight 1) or
// { address: "host:port", weight: N }.
//
//   zones:
//     cn-1: { endpoints: [127.0.0.1:9001, 127.0.0.1:9002], path: /dispatch,
//             max_in_flight: 100 }
//     eu-1: { endpoints: [{ address: 10.0.0.7:9001, weight: 3 }] }
#ifndef STATICSHIP_SERVICES_SCHEDULER_ZONES_CONFIG_H_
#define STATICSHIP_SERVICES_SCHEDULER_ZONES_CONFIG_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"

namespace staticship::scheduler {

// Weights are relative shares of a zone's dispatches (smooth weighted
// round robin), so they are bounded to keep the sums far from overflow.
inline constexpr int kMaxServerWeight = 1000;

struct GameServer {
  std::string address;  // "host:port"
  int weight = 1;       // [1, kMaxServerWeight]

  bool operator==(const GameServer&) const = default;
};

struct Zone {
  std::string id;
  std::vector<GameServer> endpoints;  // distinct addresses
  std::string path = "/dispatch";
  int max_in_flight = 0;  // 0: the default cap
};

struct ZonesConfig {
  std::map<std::string, Zone, std::less<>> zones;

  const Zone* Find(std::string_view id) const {
    auto it = zones.find(id);
    return it == zones.end() ? nullptr : &it->second;
  }
  // A zone's cap: its max_in_flight, else all workers when it is the only
  // zone, else half of them, so a slow zone leaves the others at least half.
  int CapFor(std::string_view id, int workers) const;
};

// "host:port" with a port in [1, 65535].
bool ValidEndpoint(std::string_view endpoint);

Result<ZonesConfig> ParseZonesYaml(const std::string& text);
Result<ZonesConfig> LoadZonesFile(const std::string& path);

}  // namespace staticship::scheduler

#endif  // STATICSHIP_SERVICES_SCHEDULER_ZONES_CONFIG_H_
