#include "services/scheduler/etcd_task_txns.h"

#include <nlohmann/json.hpp>
#include <utility>

#include "services/scheduler/etcd_txn.h"

namespace staticship::scheduler {

using nlohmann::json;

bool IsCreate(const Task& task) {
  return task.version == 1 && task.state == TaskState::kQueued &&
         task.attempts == 0;
}

json CreateTxn(const TaskKeys& keys, const Task& task,
               const std::string& instance, int64_t lease) {
  return {
      {"compare",
       {etcd::CompareCreate(keys.task, 0), etcd::CompareCreate(keys.claim, 0)}},
      {"success",
       {etcd::OpPut(keys.task, SpecJson(task)),
        etcd::OpPut(keys.claim, instance, lease),
        etcd::OpPut(keys.status, TaskToRecord(task))}},
      {"failure", {etcd::OpRange(keys.task), etcd::OpRange(keys.claim)}},
  };
}

Status ReadCreateReply(const json& reply, const Task& task, int64_t lease) {
  if (etcd::Succeeded(reply)) return Status::Ok();
  auto existing = etcd::RangeResult(reply, 0);
  auto claim = etcd::RangeResult(reply, 1);
  if (existing && claim && claim->lease == lease) {
    return Status::Ok();  // an earlier attempt of ours went through
  }
  return MakeError(ErrorCode::kAlreadyExists,
                   "task id '" + task.id + "' already exists in etcd");
}

json UpdateTxn(const TaskKeys& keys, const Task& task, int64_t lease) {
  json success = json::array({etcd::OpPut(keys.status, TaskToRecord(task))});
  if (IsFinal(task.state)) success.push_back(etcd::OpDelete(keys.claim));
  return {
      {"compare", json::array({etcd::CompareLease(keys.claim, lease)})},
      {"success", success},
      {"failure", json::array({etcd::OpRange(keys.status)})},
  };
}

Status ReadUpdateReply(const json& reply, const Task& task) {
  if (etcd::Succeeded(reply)) return Status::Ok();
  if (auto status = etcd::RangeResult(reply, 0)) {
    auto stored = TaskFromRecord(status->value);
    if (stored.ok() && stored->version >= task.version) {
      return Status::Ok();  // an earlier attempt of ours went through
    }
  }
  return MakeError(
      ErrorCode::kAborted,
      "claim on '" + task.id + "' is not ours any more; status not written");
}

json WriteBatchTxn(std::string_view prefix, const std::vector<Task>& tasks,
                   const std::string& instance, int64_t lease) {
  std::vector<json> txns;
  txns.reserve(tasks.size());
  for (const Task& task : tasks) {
    TaskKeys keys = KeysOf(prefix, task.id);
    txns.push_back(IsCreate(task) ? CreateTxn(keys, task, instance, lease)
                                  : UpdateTxn(keys, task, lease));
  }
  return etcd::BatchTxn(txns);
}

std::vector<Status> ReadWriteBatchReply(const json& reply,
                                        const std::vector<Task>& tasks,
                                        int64_t lease) {
  std::vector<Status> results;
  results.reserve(tasks.size());
  for (size_t i = 0; i < tasks.size(); ++i) {
    std::optional<json> answer = etcd::NestedReply(reply, i);
    if (!answer) {
      results.push_back(
          MakeError("etcd's answer holds no result for '" + tasks[i].id + "'"));
    } else if (IsCreate(tasks[i])) {
      results.push_back(ReadCreateReply(*answer, tasks[i], lease));
    } else {
      results.push_back(ReadUpdateReply(*answer, tasks[i]));
    }
  }
  return results;
}

json ReadTxn(const TaskKeys& keys) {
  return {
      {"compare", json::array()},
      {"success", {etcd::OpRange(keys.task), etcd::OpRange(keys.status)}},
  };
}

std::optional<Task> ReadTaskReply(const json& reply, const std::string& id,
                                  const ZoneKnown& zone_known) {
  std::optional<Task> record;
  if (auto status = etcd::RangeResult(reply, 1)) {
    if (auto parsed = TaskFromRecord(status->value); parsed.ok()) {
      record = std::move(parsed).value();
    }
  }
  auto spec_kv = etcd::RangeResult(reply, 0);
  if (!record && !spec_kv) return std::nullopt;
  ParsedSpec parsed;
  if (spec_kv) parsed = ParseSpec(spec_kv->value, zone_known);
  return ShownTask(id, record, parsed.spec, parsed.error);
}

}  // namespace staticship::scheduler
