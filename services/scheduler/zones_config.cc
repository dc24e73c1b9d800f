#include "services/scheduler/zones_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>

#include "common/base/file.h"

namespace staticship::scheduler {
namespace {

bool ValidEndpoint(const std::string& endpoint) {
  size_t colon = endpoint.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  int port = 0;
  const char* first = endpoint.data() + colon + 1;
  const char* last = endpoint.data() + endpoint.size();
  auto [ptr, ec] = std::from_chars(first, last, port);
  return ec == std::errc() && ptr == last && port > 0 && port < 65536;
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
        std::string endpoint = e.as<std::string>();
        if (!ValidEndpoint(endpoint)) {
          return MakeError(where + ": endpoint '" + endpoint +
                           "' is not host:port");
        }
        zone.endpoints.push_back(endpoint);
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
