#include "services/scheduler/zone_directory.h"

namespace staticship::scheduler {

ZoneDirectory::ZoneDirectory(ZonesConfig initial)
    : current_(std::make_shared<const ZonesConfig>(std::move(initial))) {}

std::shared_ptr<const ZonesConfig> ZoneDirectory::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

void ZoneDirectory::Replace(ZonesConfig zones) {
  auto next = std::make_shared<const ZonesConfig>(std::move(zones));
  std::lock_guard<std::mutex> lock(mu_);
  // `next` is declared before the lock, so the old zones are freed (when no
  // reader holds them) after the unlock: readers never wait for a destructor.
  current_.swap(next);
}

bool ZoneDirectory::Known(std::string_view zone) const {
  return Snapshot()->Find(zone) != nullptr;
}

int ZoneDirectory::CapFor(std::string_view zone, int workers) const {
  return Snapshot()->CapFor(zone, workers);
}

}  // namespace staticship::scheduler
