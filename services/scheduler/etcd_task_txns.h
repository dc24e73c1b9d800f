// The transactions on one task's keys other than the claim (see
// etcd_claimer.h), and what their answers mean:
//
//   create  a task submitted to this instance: tasks/<id>, our claim and
//           the first status at once, if neither tasks/<id> nor claims/<id>
//           exists
//   update  a later status, only while claims/<id> carries our lease; a
//           final status also deletes the claim, as nothing is left to hold
//   read    tasks/<id> and status/<id> from one revision, for GET
//
// A txn whose answer got lost may have been applied. Each answer is read so
// that repeating the txn is safe: the repeat fails, and its failure branch
// shows our own earlier write.
//
// Creates and updates of several tasks go to etcd as one batch (group
// commit: one raft proposal and fsync for all); each task still succeeds or
// fails on its own compares.
#ifndef STATICSHIP_SERVICES_SCHEDULER_ETCD_TASK_TXNS_H_
#define STATICSHIP_SERVICES_SCHEDULER_ETCD_TASK_TXNS_H_

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"
#include "services/scheduler/etcd_layout.h"
#include "services/scheduler/task.h"

namespace staticship::scheduler {

// Whether persisting `task` creates it. Only SchedulerCore::Submit persists
// version 1 of a new task; adopted tasks start at the version of their
// status record and are written from version 2 on.
bool IsCreate(const Task& task);

nlohmann::json CreateTxn(const TaskKeys& keys, const Task& task,
                         const std::string& instance, int64_t lease);
// Ok when the task is created; otherwise kAlreadyExists, which the core
// answers with the stored task (see TaskStore::Persist).
Status ReadCreateReply(const nlohmann::json& reply, const Task& task,
                       int64_t lease);

nlohmann::json UpdateTxn(const TaskKeys& keys, const Task& task, int64_t lease);
// Ok when status/<id> holds this version or a newer one; an error when the
// claim is not ours any more.
Status ReadUpdateReply(const nlohmann::json& reply, const Task& task);

// Each task's create (IsCreate) or update txn, nested in one batch txn.
// The tasks must have different ids.
nlohmann::json WriteBatchTxn(std::string_view prefix,
                             const std::vector<Task>& tasks,
                             const std::string& instance, int64_t lease);
// Each task's result, in order, as ReadCreateReply or ReadUpdateReply
// reads its nested answer; an error for a task the answer does not cover.
std::vector<Status> ReadWriteBatchReply(const nlohmann::json& reply,
                                        const std::vector<Task>& tasks,
                                        int64_t lease);

nlohmann::json ReadTxn(const TaskKeys& keys);
// What GET shows of the task (ShownTask); nullopt when neither key exists.
std::optional<Task> ReadTaskReply(const nlohmann::json& reply,
                                  const std::string& id,
                                  const ZoneKnown& zone_known);

}  // namespace staticship::scheduler

#endif  // STATICSHIP_SERVICES_SCHEDULER_ETCD_TASK_TXNS_H_
