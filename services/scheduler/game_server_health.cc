#include "services/scheduler/game_server_health.h"

#include <algorithm>

namespace staticship::scheduler {

bool GameServerHealth::RecordFailure(int64_t now_ms) {
  if (policy_.failures_to_eject <= 0) return false;
  // Dispatches sent before the ejection (or during it, when every server of
  // the zone is out) answer late; they say nothing new.
  if (ejected(now_ms)) return false;
  ++consecutive_failures_;
  const bool on_probation = ejections_in_a_row_ > 0;
  if (on_probation || consecutive_failures_ >= policy_.failures_to_eject) {
    return Eject(now_ms);
  }
  return false;
}

void GameServerHealth::RecordSuccess() {
  consecutive_failures_ = 0;
  ejections_in_a_row_ = 0;
  ejected_until_ms_ = 0;
}

bool GameServerHealth::Eject(int64_t now_ms) {
  // base·2^(n-1) without overflow: the shift stops growing once past max.
  int64_t period = policy_.base_ms;
  for (int i = 1; i < ejections_in_a_row_ + 1 && period < policy_.max_ms; ++i) {
    period *= 2;
  }
  period = std::min(period, policy_.max_ms);
  ++ejections_in_a_row_;
  ++ejections_total_;
  consecutive_failures_ = 0;
  ejected_until_ms_ = now_ms + period;
  return true;
}

}  // namespace staticship::scheduler
