// What one attempt to hand a task to a game server came to.
#ifndef STATICSHIP_SERVICES_SCHEDULER_DISPATCH_OUTCOME_H_
#define STATICSHIP_SERVICES_SCHEDULER_DISPATCH_OUTCOME_H_

#include <cstdint>
#include <string>

namespace staticship::scheduler {

struct DispatchOutcome {
  enum class Kind {
    kResponse,      // the game server answered; see `status`
    kConnectError,  // refused, reset, unreachable: nothing was processed
    kTimeout,       // no complete answer before the task's timeout
    kNoRoute,       // the zone is not configured (any more)
  };
  Kind kind = Kind::kResponse;
  int status = 0;
  std::string body;
  std::string error;
  int64_t duration_us = 0;
};

}  // namespace staticship::scheduler

#endif  // STATICSHIP_SERVICES_SCHEDULER_DISPATCH_OUTCOME_H_
