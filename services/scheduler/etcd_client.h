// Unary calls to etcd v3's HTTP/JSON gateway (POST /v3/...), through our own
// HTTP client, failing over between the members of a cluster. Thread-safe.
//
//   EtcdClient etcd({"http://127.0.0.1:2379", "http://127.0.0.1:22379"});
//   auto lease = etcd.LeaseGrant(5);
//   auto reply = etcd.Call("/v3/kv/txn", txn_json);
//
// A request that fails to connect, is reset or times out is tried once on
// each other member; a request that reached etcd and got an answer (even an
// error) is not repeated. Callers of non-idempotent requests (txn) must be
// ready for an earlier attempt to have been applied: see EtcdStore.
#ifndef STATICSHIP_SERVICES_SCHEDULER_ETCD_CLIENT_H_
#define STATICSHIP_SERVICES_SCHEDULER_ETCD_CLIENT_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/http/client.h"
#include "services/scheduler/etcd_codec.h"

namespace staticship::scheduler::etcd {

// Worth retrying later: no member reachable, a timeout, or no leader
// (kUnavailable or kDeadlineExceeded, whatever context the message has).
bool IsTransient(const Error& error);

// "http://a:2379,http://b:2379" -> endpoints; each must parse as an http
// URL (https is refused: there are no flags for etcd's certificates).
Result<std::vector<std::string>> ParseEndpoints(std::string_view list);

class EtcdClient {
 public:
  explicit EtcdClient(
      std::vector<std::string> endpoints,
      std::chrono::milliseconds timeout = std::chrono::milliseconds(3000));

  // POSTs `body` to `path` and returns the decoded reply object.
  Result<nlohmann::json> Call(std::string_view path,
                              const nlohmann::json& body);

  // Every key under `prefix` and the store revision the answer reflects.
  struct RangeReply {
    int64_t revision = 0;
    std::vector<KeyValue> kvs;
  };
  Result<RangeReply> RangePrefix(std::string_view prefix);
  Result<int64_t> Put(std::string_view key, std::string_view value,
                      int64_t lease = 0);
  // Returns the lease id.
  Result<int64_t> LeaseGrant(int64_t ttl_seconds);
  // Returns the remaining TTL; 0 means the lease is gone (expired/revoked).
  Result<int64_t> LeaseKeepAlive(int64_t lease);
  Status LeaseRevoke(int64_t lease);
  // Compacts history up to `revision` (tests use it to provoke etcd#9386).
  Status Compact(int64_t revision);

  // The member that answered last; watches start there.
  std::string current_endpoint() const;
  const std::vector<std::string>& endpoints() const { return endpoints_; }
  // Whether the last call reached a member.
  bool reachable() const { return reachable_.load(); }

 private:
  const std::vector<std::string> endpoints_;
  const std::chrono::milliseconds timeout_;
  http::Client http_;
  std::atomic<size_t> current_{0};
  std::atomic<bool> reachable_{true};
};

}  // namespace staticship::scheduler::etcd

#endif  // STATICSHIP_SERVICES_SCHEDULER_ETCD_CLIENT_H_
