#include "services/scheduler/game_server_picker.h"

#include "common/metrics/metrics.h"

namespace staticship::scheduler {

GameServerPicker::GameServerPicker(EjectionPolicy policy,
                                   std::function<void(const std::string&)> log)
    : policy_(policy), log_(std::move(log)) {}

GameServerPicker::Servers& GameServerPicker::SyncLocked(const Zone& zone) {
  Servers& servers = zones_[zone.id];
  bool same = servers.size() == zone.endpoints.size();
  for (size_t i = 0; same && i < servers.size(); ++i) {
    same = servers[i].config == zone.endpoints[i];
  }
  if (same) return servers;
  Servers next;
  next.reserve(zone.endpoints.size());
  for (const GameServer& config : zone.endpoints) {
    Server server{config, GameServerHealth(policy_)};
    for (const Server& old : servers) {
      if (old.config.address == config.address) server.health = old.health;
    }
    next.push_back(std::move(server));
  }
  servers = std::move(next);
  return servers;
}

std::string GameServerPicker::Pick(const Zone& zone, int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  Servers& servers = SyncLocked(zone);
  Server* best = nullptr;
  int64_t total = 0;
  for (Server& s : servers) {
    if (s.health.ejected(now_ms)) continue;
    s.score += s.config.weight;
    total += s.config.weight;
    if (best == nullptr || s.score > best->score) best = &s;
  }
  if (best != nullptr) {
    best->score -= total;
    return best->config.address;
  }
  Server* soonest = &servers.front();
  for (Server& s : servers) {
    if (s.health.ejected_until_ms() < soonest->health.ejected_until_ms()) {
      soonest = &s;
    }
  }
  return soonest->config.address;
}

void GameServerPicker::Report(std::string_view zone, std::string_view address,
                              bool failed, const std::string& error,
                              int64_t now_ms) {
  std::string ejected_line;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = zones_.find(zone);
    if (it == zones_.end()) return;
    for (Server& s : it->second) {
      if (s.config.address != address) continue;
      if (!failed) {
        s.health.RecordSuccess();
      } else if (s.health.RecordFailure(now_ms)) {
        ++ejections_total_[{std::string(zone), std::string(address)}];
        ejected_line = "game server " + std::string(address) + " of zone " +
                       std::string(zone) + " ejected for " +
                       std::to_string(s.health.ejected_until_ms() - now_ms) +
                       " ms: " + error;
      }
      break;
    }
  }
  if (!ejected_line.empty() && log_) log_(ejected_line);
}

bool GameServerPicker::Ejected(std::string_view zone, std::string_view address,
                               int64_t now_ms) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = zones_.find(zone);
  if (it == zones_.end()) return false;
  for (const Server& s : it->second) {
    if (s.config.address == address) return s.health.ejected(now_ms);
  }
  return false;
}

std::string GameServerPicker::RenderMetrics(const ZonesConfig& zones,
                                            int64_t now_ms) {
  auto labels = [](std::string_view zone, std::string_view server) {
    return "{zone=\"" + metrics::EscapeLabelValue(zone) + "\",server=\"" +
           metrics::EscapeLabelValue(server) + "\"}";
  };
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = zones_.begin(); it != zones_.end();) {
    it = zones.Find(it->first) == nullptr ? zones_.erase(it) : std::next(it);
  }
  std::string out =
      "# HELP scheduler_game_server_ejected 1 while the game server is "
      "ejected after failed dispatches\n"
      "# TYPE scheduler_game_server_ejected gauge\n";
  for (const auto& [id, zone] : zones.zones) {
    for (const Server& s : SyncLocked(zone)) {
      out += "scheduler_game_server_ejected" + labels(id, s.config.address) +
             (s.health.ejected(now_ms) ? " 1\n" : " 0\n");
    }
  }
  out +=
      "# HELP scheduler_game_server_ejections_total Ejections of a game "
      "server\n"
      "# TYPE scheduler_game_server_ejections_total counter\n";
  for (const auto& [key, n] : ejections_total_) {
    out += "scheduler_game_server_ejections_total" +
           labels(key.first, key.second) + " " + std::to_string(n) + "\n";
  }
  return out;
}

}  // namespace staticship::scheduler
