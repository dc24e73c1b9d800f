// Validation of `POST /v1/tasks` bodies. Every rejection names the field so
// that the 400 tells the producer what to fix.
#ifndef STATICSHIP_SERVICES_SCHEDULER_SUBMIT_REQUEST_H_
#define STATICSHIP_SERVICES_SCHEDULER_SUBMIT_REQUEST_H_

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "services/scheduler/task.h"

namespace staticship::scheduler {

inline constexpr size_t kMaxSubmitBodyBytes = 1 << 20;
inline constexpr size_t kMaxTaskIdBytes = 128;

struct SubmitError {
  std::string field;
  std::string message;
};

struct SubmitParse {
  // Set on success: the task's spec fields, state queued, id possibly empty
  // (the caller generates one).
  std::optional<Task> task;
  SubmitError error;
};

bool IsValidTaskId(std::string_view id);

SubmitParse ParseSubmitRequest(
    std::string_view body,
    const std::function<bool(std::string_view)>& zone_known);

// `{"error": message, "field": field}`.
std::string SubmitErrorJson(const SubmitError& error);

}  // namespace staticship::scheduler

#endif  // STATICSHIP_SERVICES_SCHEDULER_SUBMIT_REQUEST_H_
