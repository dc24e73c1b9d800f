// Builders for etcd v3 transactions in the JSON gateway's encoding
// (etcdserverpb.TxnRequest: keys and values base64, int64s as strings), and
// the reading of a txn's answer.
//
//   json txn = {{"compare", {CompareCreate(claim, 0)}},
//               {"success", {OpPut(claim, "me", lease)}},
//               {"failure", {OpRange(claim)}}};
//   auto holder = RangeResult(reply, 0);  // who beat us, when it failed
//
// Several tasks' txns go to etcd as one (BatchTxn): one raft proposal, one
// fsync and one revision for all of them, each still deciding by its own
// compares (etcd 3.3+ nests txns in `success`).
#ifndef STATICSHIP_SERVICES_SCHEDULER_ETCD_TXN_H_
#define STATICSHIP_SERVICES_SCHEDULER_ETCD_TXN_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "services/scheduler/etcd_codec.h"

namespace staticship::scheduler::etcd {

// Sends a txn (POST /v3/kv/txn) and returns etcd's answer. Behind a function
// so that the code deciding what a txn means is tested without an etcd.
using TxnCall = std::function<Result<nlohmann::json>(const nlohmann::json&)>;

// key.create_revision == revision; 0 means "the key does not exist".
nlohmann::json CompareCreate(const std::string& key, int64_t revision);
// key.mod_revision == revision; 0 also matches an absent key.
nlohmann::json CompareMod(const std::string& key, int64_t revision);
// key is attached to `lease`.
nlohmann::json CompareLease(const std::string& key, int64_t lease);

// Puts `value`, attached to `lease` unless it is 0.
nlohmann::json OpPut(const std::string& key, const std::string& value,
                     int64_t lease = 0);
nlohmann::json OpDelete(const std::string& key);
nlohmann::json OpRange(const std::string& key);

// Whether the compares held (the success branch ran).
bool Succeeded(const nlohmann::json& reply);
// The revision the answer reflects.
int64_t ReplyRevision(const nlohmann::json& reply);
// The key of the index-th range op of the branch that ran, if it exists.
std::optional<KeyValue> RangeResult(const nlohmann::json& reply, size_t index);

// One txn without compares whose success runs each of `txns` as a nested
// txn, in order. etcd refuses a batch that writes one key twice, so `txns`
// must touch different keys.
nlohmann::json BatchTxn(const std::vector<nlohmann::json>& txns);
// The answer of the index-th nested txn, shaped like a txn answer of its own
// (succeeded, responses) and carrying the batch's header (nested answers
// have none). nullopt when the answer does not hold it.
std::optional<nlohmann::json> NestedReply(const nlohmann::json& reply,
                                          size_t index);
// Puts and deletes etcd applied for a batch: those in the success branch
// of each nested txn that succeeded.
size_t AppliedWrites(const nlohmann::json& batch, const nlohmann::json& reply);

}  // namespace staticship::scheduler::etcd

#endif  // STATICSHIP_SERVICES_SCHEDULER_ETCD_TXN_H_
