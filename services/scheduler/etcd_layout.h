// The shared store's layout under its prefix (see etcd_store.h): the three
// keys of a task and what their values hold.
//
//   <prefix>tasks/<id>   the producer's spec: a POST /v1/tasks body
//   <prefix>claims/<id>  the claiming instance's name, on its lease
//   <prefix>status/<id>  the task record (TaskToRecord)
//   <prefix>instances/<lease>  a live instance: its name, on that lease
#ifndef STATICSHIP_SERVICES_SCHEDULER_ETCD_LAYOUT_H_
#define STATICSHIP_SERVICES_SCHEDULER_ETCD_LAYOUT_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "services/scheduler/task.h"

namespace staticship::scheduler {

enum class TaskKey { kTask, kClaim, kStatus };

struct TaskKeys {
  std::string task;
  std::string claim;
  std::string status;
};

TaskKeys KeysOf(std::string_view prefix, std::string_view id);

// Which key of which task `key` is; nullopt for anything else under (or
// outside) the prefix. Ids may contain '/'.
struct ParsedKey {
  TaskKey kind;
  std::string id;
};
std::optional<ParsedKey> ParseTaskKey(std::string_view prefix,
                                      std::string_view key);

// instances/<lease>: the lease id in decimal names the instance, because it
// is unique while the instance lives and the key dies with it.
std::string InstanceKey(std::string_view prefix, int64_t lease);
// The lease of an instances/ key; nullopt for any other key.
std::optional<int64_t> ParseInstanceKey(std::string_view prefix,
                                        std::string_view key);

// tasks/<id> as a producer writes it: the POST /v1/tasks body.
std::string SpecJson(const Task& task);

// tasks/<id> read back, checked like a POST body. Exactly one of `spec` and
// `error` is set.
struct ParsedSpec {
  std::optional<Task> spec;
  std::string error;  // "field: what is wrong"
};
using ZoneKnown = std::function<bool(std::string_view zone)>;
ParsedSpec ParseSpec(std::string_view value, const ZoneKnown& zone_known);

// What GET and the list show for a task this instance does not hold: its
// status record once written, else the producer's spec as queued, else
// (the spec does not parse) the failure its first claimer will record.
Task ShownTask(const std::string& id, const std::optional<Task>& record,
               const std::optional<Task>& spec, const std::string& spec_error);

}  // namespace staticship::scheduler

#endif  // STATICSHIP_SERVICES_SCHEDULER_ETCD_LAYOUT_H_
