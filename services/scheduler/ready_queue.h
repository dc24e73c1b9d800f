// Tasks that may be dispatched now: strict priority (higher first), FIFO by
// submission order within a priority, and a per-zone gate so that a zone at
// its in-flight cap is skipped without blocking the others.
#ifndef STATICSHIP_SERVICES_SCHEDULER_READY_QUEUE_H_
#define STATICSHIP_SERVICES_SCHEDULER_READY_QUEUE_H_

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "services/scheduler/task.h"

namespace staticship::scheduler {

class ReadyQueue {
 public:
  struct Entry {
    std::string id;
    int priority = 0;
    std::string zone;
    uint64_t sequence = 0;
  };

  // Returns false when `id` is already queued or the priority is invalid.
  bool Push(Entry entry);
  // Returns false when `id` is not queued.
  bool Remove(const std::string& id);
  bool Contains(const std::string& id) const { return index_.count(id) != 0; }

  // The next task whose zone `zone_has_room`: the highest priority that has
  // such a task, and within it the oldest sequence. A task whose zone is full
  // does not hold back tasks of other zones.
  std::optional<Entry> PopEligible(
      const std::function<bool(std::string_view zone)>& zone_has_room);

  size_t size() const { return index_.size(); }
  bool empty() const { return index_.empty(); }
  size_t DepthAt(int priority) const;

 private:
  struct Location {
    int priority;
    std::string zone;
    uint64_t sequence;
  };
  using ZoneFifo = std::map<uint64_t, std::string>;  // sequence -> id

  std::array<std::unordered_map<std::string, ZoneFifo>, kNumPriorities> levels_;
  std::array<size_t, kNumPriorities> depth_{};
  std::unordered_map<std::string, Location> index_;
};

}  // namespace staticship::scheduler

#endif  // STATICSHIP_SERVICES_SCHEDULER_READY_QUEUE_H_
