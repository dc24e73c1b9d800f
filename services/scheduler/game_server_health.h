// Outlier detection for one game server, in the manner of Envoy's
// consecutive-5xx ejection and nginx's max_fails/fail_timeout: after
// `failures_to_eject` failed dispatches in a row the server is ejected for
// base·2^(n-1) (n: ejections in a row, capped at `max_ms`). When the period
// ends the server is on probation: its next dispatch decides, one failure
// ejects it again for longer, one success forgives every earlier ejection.
// Probation is what keeps a dead server from costing K more tasks a retry
// each time its ejection ends. A success also ends an ejection at once: it
// can only come from a server that answers (a dispatch sent while every
// server of the zone was ejected, or one sent just before the ejection).
//
// Not thread-safe; GameServerPicker guards it. Times are a monotonic clock's
// milliseconds, passed in so that tests need no sleeping.
#ifndef STATICSHIP_SERVICES_SCHEDULER_GAME_SERVER_HEALTH_H_
#define STATICSHIP_SERVICES_SCHEDULER_GAME_SERVER_HEALTH_H_

#include <cstdint>

namespace staticship::scheduler {

struct EjectionPolicy {
  int failures_to_eject = 5;  // 0: never eject
  int64_t base_ms = 10000;
  int64_t max_ms = 300000;
};

class GameServerHealth {
 public:
  explicit GameServerHealth(const EjectionPolicy& policy) : policy_(policy) {}

  bool ejected(int64_t now_ms) const { return now_ms < ejected_until_ms_; }
  int64_t ejected_until_ms() const { return ejected_until_ms_; }
  uint64_t ejections_total() const { return ejections_total_; }

  // Returns true when this failure ejected the server.
  bool RecordFailure(int64_t now_ms);
  void RecordSuccess();

 private:
  bool Eject(int64_t now_ms);

  EjectionPolicy policy_;
  int consecutive_failures_ = 0;
  int ejections_in_a_row_ = 0;  // since the last success
  int64_t ejected_until_ms_ = 0;
  uint64_t ejections_total_ = 0;
};

}  // namespace staticship::scheduler

#endif  // STATICSHIP_SERVICES_SCHEDULER_GAME_SERVER_HEALTH_H_
