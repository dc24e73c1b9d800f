#include "services/scheduler/etcd_zone_table.h"

#include "services/scheduler/zone_json.h"

namespace staticship::scheduler {

EtcdZoneTable::EtcdZoneTable(std::string prefix, ZonesConfig file_zones)
    : prefix_(std::move(prefix)), file_zones_(std::move(file_zones)) {}

std::string EtcdZoneTable::IdOf(std::string_view key,
                                std::vector<std::string>* problems) const {
  if (key.substr(0, prefix_.size()) != prefix_) return "";
  std::string_view id = key.substr(prefix_.size());
  if (!ValidZoneId(id)) {
    problems->push_back("zone key '" + std::string(key) +
                        "' ignored: the part after " + prefix_ +
                        " must be a zone id of 1-128 [A-Za-z0-9._-]");
    return "";
  }
  return std::string(id);
}

void EtcdZoneTable::Put(const etcd::KeyValue& kv,
                        std::vector<std::string>* problems) {
  std::string id = IdOf(kv.key, problems);
  if (id.empty()) return;
  auto zone = ParseZoneJson(id, kv.value);
  if (!zone.ok()) {
    bool had = from_etcd_.count(id) > 0;
    problems->push_back("zone key '" + kv.key + "' refused: " + zone.message() +
                        (had ? "; the zone keeps its previous definition"
                             : "; the zone stays undefined in etcd"));
    return;
  }
  from_etcd_[id] = std::move(zone).value();
}

std::vector<std::string> EtcdZoneTable::Replace(
    const std::vector<etcd::KeyValue>& kvs) {
  std::vector<std::string> problems;
  std::map<std::string, Zone, std::less<>> previous;
  previous.swap(from_etcd_);
  for (const etcd::KeyValue& kv : kvs) {
    std::vector<std::string> unused;
    std::string id = IdOf(kv.key, &unused);
    // A listed key whose new value is bad keeps what it had before.
    if (auto old = previous.find(id); !id.empty() && old != previous.end()) {
      from_etcd_.insert(*old);
    }
    Put(kv, &problems);
  }
  return problems;
}

std::vector<std::string> EtcdZoneTable::Apply(
    const std::vector<etcd::Event>& events) {
  std::vector<std::string> problems;
  for (const etcd::Event& event : events) {
    if (event.deleted) {
      std::vector<std::string> unused;
      std::string id = IdOf(event.kv.key, &unused);
      if (!id.empty()) from_etcd_.erase(id);
      continue;
    }
    Put(event.kv, &problems);
  }
  return problems;
}

void EtcdZoneTable::SetFileZones(ZonesConfig file_zones) {
  file_zones_ = std::move(file_zones);
}

ZonesConfig EtcdZoneTable::Merged() const {
  ZonesConfig merged = file_zones_;
  for (const auto& [id, zone] : from_etcd_) merged.zones[id] = zone;
  return merged;
}

}  // namespace staticship::scheduler
