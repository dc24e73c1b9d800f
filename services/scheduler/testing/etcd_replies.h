// etcd's answers to a txn, as the JSON gateway encodes them, for tests of
// the code that reads them.
#ifndef STATICSHIP_SERVICES_SCHEDULER_TESTING_ETCD_REPLIES_H_
#define STATICSHIP_SERVICES_SCHEDULER_TESTING_ETCD_REPLIES_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "services/scheduler/etcd_codec.h"

namespace staticship::scheduler::testing {

// One response_range: the key, or nothing matched.
inline nlohmann::json RangeResponse(const std::optional<etcd::KeyValue>& kv) {
  nlohmann::json range = nlohmann::json::object();
  if (kv) {
    range["kvs"] = {{{"key", etcd::Base64Encode(kv->key)},
                     {"value", etcd::Base64Encode(kv->value)},
                     {"create_revision", std::to_string(kv->create_revision)},
                     {"mod_revision", std::to_string(kv->mod_revision)},
                     {"lease", std::to_string(kv->lease)}}};
    range["count"] = "1";
  }
  return {{"response_range", range}};
}

inline nlohmann::json TxnReply(bool succeeded, int64_t revision,
                               std::vector<nlohmann::json> responses = {}) {
  nlohmann::json reply = {{"header", {{"revision", std::to_string(revision)}}},
                          {"responses", responses}};
  // The gateway omits false booleans.
  if (succeeded) reply["succeeded"] = true;
  return reply;
}

// A batch's answer (etcd::BatchTxn): the outer txn always succeeds, each
// nested answer comes as a response_txn with an empty header, as etcd 3.4
// sends it. `nested` are TxnReply(...)s; their headers are dropped.
inline nlohmann::json BatchReply(int64_t revision,
                                 std::vector<nlohmann::json> nested) {
  std::vector<nlohmann::json> responses;
  for (nlohmann::json& answer : nested) {
    answer["header"] = nlohmann::json::object();
    responses.push_back({{"response_txn", std::move(answer)}});
  }
  return TxnReply(true, revision, std::move(responses));
}

}  // namespace staticship::scheduler::testing

#endif  // STATICSHIP_SERVICES_SCHEDULER_TESTING_ETCD_REPLIES_H_
