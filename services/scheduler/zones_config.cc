#include "services/scheduler/zones_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>

#include "common/base/file.h"

namespace staticship::scheduler {

bool ValidEndpoint(std::string_view endpoint) {
  size_t colon = endpoint.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  int port = 0;
  const char* first = endpoint.data() + colon + 1;
  const char* last = endpoint.data() + endpoint.size();
  auto [ptr, ec] = std::from_chars(first, last, port);
  return ec == std::errc() && ptr == last && port > 0 && port < 65536;
}

namespace {

Result<GameServer> ParseServer(const YAML::Node& node,
                               const std::string& where) {
  GameServer server;
  if (node.IsMap()) {
    for (const auto& field : node) {
      std::string key = field.first.as<std::string>();
      if (key != "address" && key != "weight") {
        return MakeError(where + ": unknown endpoint field '" + key + "'");
      }
    }
    if (!node["address"]) {
      return MakeError(where + ": endpoint needs 'address'");
    }
    server.address = node["address"].as<std::string>();
    if (node["weight"]) {
      server.weight = node["weight"].as<int>();
      if (server.weight < 1 || server.weight > kMaxServerWeight) {
        return MakeError(where + ": weight of '" + server.address +
                         "' must be in [1, " +
                         std::to_string(kMaxServerWeight) + "]");
      }
    }
  } else {
    server.address = node.as<std::string>();
  }
  if (!ValidEndpoint(server.address)) {
    return MakeError(where + ": endpoint '" + server.address +
                     "' is not host:port");
  }
  return server;
}

}  // namespace

int ZonesConfig::CapFor(std::string_view id, int workers) const {
  const Zone* zone = Find(id);
  if (zone != nullptr && zone->max_in_flight > 0) return zone->max_in_flight;
  if (zones.size() <= 1) return workers;
  return std::max(1, (workers + 1) / 2);
}

Result<ZonesConfig> ParseZonesYaml(const std::string& text) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return MakeError(std::string("not valid YAML: ") + e.what());
  }
  if (!root.IsMap() || !root["zones"]) {
    return MakeError("expected a top-level 'zones:' map");
  }
  YAML::Node zones = root["zones"];
  if (!zones.IsMap())
    return MakeError("'zones' must be a map of zone id -> zone");
  ZonesConfig config;
  try {
    for (const auto& entry : zones) {
      Zone zone;
      zone.id = entry.first.as<std::string>();
      const YAML::Node& body = entry.second;
      std::string where = "zone '" + zone.id + "'";
      if (!body.IsMap()) return MakeError(where + " must be a map");
      for (const auto& field : body) {
        std::string key = field.first.as<std::string>();
        if (key != "endpoints" && key != "path" && key != "max_in_flight") {
          return MakeError(where + ": unknown field '" + key + "'");
        }
      }
      YAML::Node endpoints = body["endpoints"];
      if (!endpoints || !endpoints.IsSequence() || endpoints.size() == 0) {
        return MakeError(where + ": 'endpoints' must be a non-empty list");
      }
      for (const auto& e : endpoints) {
        auto server = ParseServer(e, where);
        if (!server.ok()) return server.error();
        for (const GameServer& seen : zone.endpoints) {
          if (seen.address == server->address) {
            return MakeError(where + ": endpoint '" + seen.address +
                             "' is listed twice");
          }
        }
        zone.endpoints.push_back(std::move(server).value());
      }
      if (body["path"]) {
        zone.path = body["path"].as<std::string>();
        if (zone.path.empty() || zone.path[0] != '/') {
          return MakeError(where + ": 'path' must start with '/'");
        }
      }
      if (body["max_in_flight"]) {
        zone.max_in_flight = body["max_in_flight"].as<int>();
        if (zone.max_in_flight <= 0) {
          return MakeError(where + ": 'max_in_flight' must be positive");
        }
      }
      std::string id = zone.id;
      config.zones.emplace(std::move(id), std::move(zone));
    }
  } catch (const YAML::Exception& e) {
    return MakeError(std::string("zones file: ") + e.what());
  }
  return config;
}

Result<ZonesConfig> LoadZonesFile(const std::string& path) {
  auto text = ReadWholeFile(path);
  if (!text.ok()) return text.error();
  auto config = ParseZonesYaml(*text);
  if (!config.ok()) return WithContext(config.error(), path);
  return config;
}

}  // namespace staticship::scheduler
