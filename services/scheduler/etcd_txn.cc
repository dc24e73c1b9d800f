#include "services/scheduler/etcd_txn.h"

#include <nlohmann/json.hpp>

namespace staticship::scheduler::etcd {

using nlohmann::json;

json CompareCreate(const std::string& key, int64_t revision) {
  return {{"target", "CREATE"},
          {"key", Base64Encode(key)},
          {"create_revision", std::to_string(revision)}};
}

json CompareMod(const std::string& key, int64_t revision) {
  return {{"target", "MOD"},
          {"key", Base64Encode(key)},
          {"mod_revision", std::to_string(revision)}};
}

json CompareLease(const std::string& key, int64_t lease) {
  return {{"target", "LEASE"},
          {"key", Base64Encode(key)},
          {"lease", std::to_string(lease)}};
}

json OpPut(const std::string& key, const std::string& value, int64_t lease) {
  json put = {{"key", Base64Encode(key)}, {"value", Base64Encode(value)}};
  if (lease != 0) put["lease"] = std::to_string(lease);
  return {{"request_put", put}};
}

json OpDelete(const std::string& key) {
  return {{"request_delete_range", {{"key", Base64Encode(key)}}}};
}

json OpRange(const std::string& key) {
  return {{"request_range", {{"key", Base64Encode(key)}}}};
}

bool Succeeded(const json& reply) { return reply.value("succeeded", false); }

int64_t ReplyRevision(const json& reply) {
  return JsonInt(reply.value("header", json::object()), "revision");
}

std::optional<KeyValue> RangeResult(const json& reply, size_t index) {
  auto responses = reply.find("responses");
  if (responses == reply.end() || !responses->is_array() ||
      responses->size() <= index) {
    return std::nullopt;
  }
  auto kvs =
      ParseKvs((*responses)[index].value("response_range", json::object()));
  if (!kvs.ok() || kvs->empty()) return std::nullopt;
  return kvs->front();
}

json BatchTxn(const std::vector<json>& txns) {
  json success = json::array();
  for (const json& txn : txns) success.push_back({{"request_txn", txn}});
  return {{"compare", json::array()}, {"success", success}};
}

std::optional<json> NestedReply(const json& reply, size_t index) {
  auto responses = reply.find("responses");
  if (responses == reply.end() || !responses->is_array() ||
      responses->size() <= index) {
    return std::nullopt;
  }
  auto nested = (*responses)[index].find("response_txn");
  if (nested == (*responses)[index].end() || !nested->is_object()) {
    return std::nullopt;
  }
  json answer = *nested;
  answer["header"] = reply.value("header", json::object());
  return answer;
}

size_t AppliedWrites(const json& batch, const json& reply) {
  size_t writes = 0;
  const json& txns = batch.value("success", json::array());
  for (size_t i = 0; i < txns.size(); ++i) {
    std::optional<json> answer = NestedReply(reply, i);
    if (!answer || !Succeeded(*answer)) continue;
    const json& nested = txns[i].value("request_txn", json::object());
    for (const json& op : nested.value("success", json::array())) {
      if (op.contains("request_put") || op.contains("request_delete_range")) {
        ++writes;
      }
    }
  }
  return writes;
}

}  // namespace staticship::scheduler::etcd
