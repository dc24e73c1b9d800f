// Which game server of a zone gets the next dispatch: smooth weighted round
// robin (nginx's: every pick adds each server's weight to its score, takes
// the highest and subtracts the total from it, so weights 5,1,1 give
// a a b a c a a rather than a a a a a b c) over the servers that are not
// ejected (GameServerHealth). When every server of a zone is ejected the
// picker fails open to the one whose ejection ends first: the task's own
// retry backoff paces those attempts, and a zone of one server behaves as
// before ejection existed instead of parking its tasks.
//
// Thread-safe. Zones are passed in per pick, so a zone changed live (etcd,
// SIGHUP) is followed at once; a server that stays keeps its health.
#ifndef STATICSHIP_SERVICES_SCHEDULER_GAME_SERVER_PICKER_H_
#define STATICSHIP_SERVICES_SCHEDULER_GAME_SERVER_PICKER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "services/scheduler/game_server_health.h"
#include "services/scheduler/zones_config.h"

namespace staticship::scheduler {

class GameServerPicker {
 public:
  explicit GameServerPicker(
      EjectionPolicy policy,
      std::function<void(const std::string&)> log = nullptr);

  // `zone` must have at least one endpoint (both parsers insist).
  std::string Pick(const Zone& zone, int64_t now_ms);
  // The outcome of a dispatch to `address`; `error` is for the log line of
  // an ejection. Unknown servers (the zone changed meanwhile) are ignored.
  void Report(std::string_view zone, std::string_view address, bool failed,
              const std::string& error, int64_t now_ms);

  bool Ejected(std::string_view zone, std::string_view address,
               int64_t now_ms) const;
  // scheduler_game_server_ejected{zone,server} for the servers of `zones`
  // (servers no longer configured are forgotten) and
  // scheduler_game_server_ejections_total{zone,server}, Prometheus text.
  std::string RenderMetrics(const ZonesConfig& zones, int64_t now_ms);

 private:
  struct Server {
    GameServer config;
    GameServerHealth health;
    int64_t score = 0;  // smooth weighted round robin's current weight
  };
  using Servers = std::vector<Server>;

  // The zone's servers, rebuilt when its endpoints changed. Holds mu_.
  Servers& SyncLocked(const Zone& zone);

  const EjectionPolicy policy_;
  const std::function<void(const std::string&)> log_;
  mutable std::mutex mu_;
  std::map<std::string, Servers, std::less<>> zones_;
  // Never shrinks, so a counter does not go back when a server leaves and
  // returns.
  std::map<std::pair<std::string, std::string>, uint64_t> ejections_total_;
};

}  // namespace staticship::scheduler

#endif  // STATICSHIP_SERVICES_SCHEDULER_GAME_SERVER_PICKER_H_
