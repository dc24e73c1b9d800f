#include "services/scheduler/ready_queue.h"

namespace staticship::scheduler {

bool ReadyQueue::Push(Entry entry) {
  if (entry.priority < kMinPriority || entry.priority > kMaxPriority) {
    return false;
  }
  if (index_.count(entry.id) != 0) return false;
  int level = entry.priority - kMinPriority;
  auto& fifo = levels_[level][entry.zone];
  if (!fifo.emplace(entry.sequence, entry.id).second) return false;
  index_.emplace(entry.id,
                 Location{entry.priority, entry.zone, entry.sequence});
  ++depth_[level];
  return true;
}

bool ReadyQueue::Remove(const std::string& id) {
  auto it = index_.find(id);
  if (it == index_.end()) return false;
  int level = it->second.priority - kMinPriority;
  auto zone_it = levels_[level].find(it->second.zone);
  zone_it->second.erase(it->second.sequence);
  if (zone_it->second.empty()) levels_[level].erase(zone_it);
  --depth_[level];
  index_.erase(it);
  return true;
}

std::optional<ReadyQueue::Entry> ReadyQueue::PopEligible(
    const std::function<bool(std::string_view zone)>& zone_has_room) {
  for (int level = kNumPriorities - 1; level >= 0; --level) {
    if (depth_[level] == 0) continue;
    ZoneFifo* best = nullptr;
    const std::string* best_zone = nullptr;
    for (auto& [zone, fifo] : levels_[level]) {
      if (fifo.empty() || !zone_has_room(zone)) continue;
      if (best == nullptr || fifo.begin()->first < best->begin()->first) {
        best = &fifo;
        best_zone = &zone;
      }
    }
    if (best == nullptr) continue;
    Entry entry{best->begin()->second, level + kMinPriority, *best_zone,
                best->begin()->first};
    Remove(entry.id);
    return entry;
  }
  return std::nullopt;
}

size_t ReadyQueue::DepthAt(int priority) const {
  if (priority < kMinPriority || priority > kMaxPriority) return 0;
  return depth_[priority - kMinPriority];
}

}  // namespace staticship::scheduler
