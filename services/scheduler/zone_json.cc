#include "services/scheduler/zone_json.h"

#include <nlohmann/json.hpp>

namespace staticship::scheduler {
namespace {

using nlohmann::json;

constexpr size_t kMaxZoneIdLength = 128;

Result<GameServer> ParseServer(const json& entry, const std::string& where) {
  GameServer server;
  if (entry.is_string()) {
    server.address = entry.get<std::string>();
  } else if (entry.is_object()) {
    for (const auto& [key, value] : entry.items()) {
      if (key != "address" && key != "weight") {
        return MakeError(where + ": unknown field '" + key + "'");
      }
    }
    auto address = entry.find("address");
    if (address == entry.end() || !address->is_string()) {
      return MakeError(where + ": 'address' must be a \"host:port\" string");
    }
    server.address = address->get<std::string>();
    if (auto weight = entry.find("weight"); weight != entry.end()) {
      if (!weight->is_number_integer() || *weight < 1 ||
          *weight > kMaxServerWeight) {
        return MakeError(where + ": 'weight' must be an integer in [1, " +
                         std::to_string(kMaxServerWeight) + "]");
      }
      server.weight = weight->get<int>();
    }
  } else {
    return MakeError(where +
                     ": must be \"host:port\" or {\"address\", \"weight\"}");
  }
  if (!ValidEndpoint(server.address)) {
    return MakeError(where + ": '" + server.address + "' is not host:port");
  }
  return server;
}

}  // namespace

bool ValidZoneId(std::string_view id) {
  if (id.empty() || id.size() > kMaxZoneIdLength) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

Result<Zone> ParseZoneJson(std::string_view id, std::string_view value) {
  if (!ValidZoneId(id)) {
    return MakeError("zone id '" + std::string(id) +
                     "' must be 1-128 of [A-Za-z0-9._-]");
  }
  json body = json::parse(value, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return MakeError("not valid JSON");
  if (!body.is_object()) return MakeError("must be a JSON object");
  for (const auto& [key, unused] : body.items()) {
    if (key != "endpoints" && key != "path" && key != "max_in_flight") {
      return MakeError("unknown field '" + key + "'");
    }
  }
  Zone zone;
  zone.id = std::string(id);
  auto endpoints = body.find("endpoints");
  if (endpoints == body.end() || !endpoints->is_array() || endpoints->empty()) {
    return MakeError("'endpoints' must be a non-empty array");
  }
  for (size_t i = 0; i < endpoints->size(); ++i) {
    std::string where = "endpoints[" + std::to_string(i) + "]";
    auto server = ParseServer((*endpoints)[i], where);
    if (!server.ok()) return server.error();
    for (const GameServer& seen : zone.endpoints) {
      if (seen.address == server->address) {
        return MakeError(where + ": '" + seen.address + "' is listed twice");
      }
    }
    zone.endpoints.push_back(std::move(server).value());
  }
  if (auto path = body.find("path"); path != body.end()) {
    if (!path->is_string() || path->get<std::string>().empty() ||
        path->get<std::string>()[0] != '/') {
      return MakeError("'path' must be a string starting with '/'");
    }
    zone.path = path->get<std::string>();
  }
  if (auto cap = body.find("max_in_flight"); cap != body.end()) {
    if (!cap->is_number_integer() || *cap < 1 || *cap > 1000000) {
      return MakeError("'max_in_flight' must be an integer in [1, 1000000]");
    }
    zone.max_in_flight = cap->get<int>();
  }
  return zone;
}

}  // namespace staticship::scheduler
