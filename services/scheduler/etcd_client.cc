#include "services/scheduler/etcd_client.h"

#include <nlohmann/json.hpp>

namespace staticship::scheduler::etcd {
namespace {

using nlohmann::json;

http::ClientOptions ClientOptionsFor(std::chrono::milliseconds timeout) {
  http::ClientOptions options;
  options.connect_timeout = std::min(timeout, std::chrono::milliseconds(1000));
  options.timeout = timeout;
  // Writers and claimers run in parallel; keep their connections.
  options.max_idle_per_host = 64;
  options.user_agent = "staticship-scheduler";
  return options;
}

}  // namespace

bool IsTransient(const Error& error) {
  return error.code == ErrorCode::kUnavailable ||
         error.code == ErrorCode::kDeadlineExceeded;
}

Result<std::vector<std::string>> ParseEndpoints(std::string_view list) {
  std::vector<std::string> out;
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string one(list.substr(0, comma));
    while (!one.empty() && one.back() == '/') one.pop_back();
    if (!one.empty()) {
      if (auto url = http::ParseUrl(one); !url.ok()) {
        return WithContext(url.error(), "etcd endpoint '" + one + "'");
      }
      // The shared client speaks https now, but the scheduler has no flags
      // for etcd's CA and client certificates, so https would verify
      // against the system store only and could not authenticate to a
      // member that wants a client certificate: refuse it plainly.
      if (one.starts_with("https://")) {
        return MakeError(ErrorCode::kInvalidArgument,
                         "etcd endpoint '" + one +
                             "': https is not supported for etcd yet (no CA "
                             "or client-certificate flags); use http://");
      }
      out.push_back(std::move(one));
    }
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  if (out.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "no etcd endpoint given");
  }
  return out;
}

EtcdClient::EtcdClient(std::vector<std::string> endpoints,
                       std::chrono::milliseconds timeout)
    : endpoints_(std::move(endpoints)),
      timeout_(timeout),
      http_(ClientOptionsFor(timeout)) {}

std::string EtcdClient::current_endpoint() const {
  return endpoints_[current_.load() % endpoints_.size()];
}

Result<json> EtcdClient::Call(std::string_view path, const json& body) {
  http::ClientRequest request;
  request.method = "POST";
  request.headers.Add("Content-Type", "application/json");
  request.body = body.dump();
  request.timeout = timeout_;
  Error last = MakeError(ErrorCode::kFailedPrecondition, "no etcd endpoint");
  size_t start = current_.load();
  for (size_t i = 0; i < endpoints_.size(); ++i) {
    size_t index = (start + i) % endpoints_.size();
    request.url = endpoints_[index] + std::string(path);
    auto response = http_.Send(request);
    if (!response.ok()) {
      // The member goes after the message, which people read from its
      // "[refused]"-style start; the code, which IsTransient reads, is kept.
      last = Error{response.code(),
                   response.message() + " (etcd " + endpoints_[index] + ")"};
      if (http::IsRetryable(response.error())) {
        continue;  // the next member may answer
      }
      reachable_ = false;
      return last;
    }
    current_ = index;
    reachable_ = true;
    json reply = json::parse(response->body, nullptr, false);
    if (response->status == 503) {
      // A member without a leader; another one may have it.
      last = MakeError(ErrorCode::kUnavailable,
                       "[unavailable] HTTP 503 from " + endpoints_[index] +
                           ": " + response->body.substr(0, 200));
      continue;
    }
    if (response->status != 200) {
      return MakeError("etcd " + std::string(path) + ": HTTP " +
                       std::to_string(response->status) + " " +
                       response->body.substr(0, 300));
    }
    if (reply.is_discarded() || !reply.is_object()) {
      return MakeError("etcd " + std::string(path) + ": reply is not JSON");
    }
    // Streaming endpoints (lease keepalive) wrap their one message.
    if (auto result = reply.find("result");
        result != reply.end() && result->is_object()) {
      return json(*result);
    }
    if (auto error = reply.find("error"); error != reply.end()) {
      return MakeError("etcd " + std::string(path) + ": " + error->dump());
    }
    return reply;
  }
  reachable_ = false;
  return last;
}

Result<EtcdClient::RangeReply> EtcdClient::RangePrefix(
    std::string_view prefix) {
  auto reply = Call("/v3/kv/range",
                    {{"key", Base64Encode(prefix)},
                     {"range_end", Base64Encode(PrefixRangeEnd(prefix))}});
  if (!reply.ok()) return reply.error();
  RangeReply out;
  out.revision = JsonInt(reply->value("header", json::object()), "revision");
  auto kvs = ParseKvs(*reply);
  if (!kvs.ok()) return kvs.error();
  out.kvs = std::move(kvs).value();
  return out;
}

Result<int64_t> EtcdClient::Put(std::string_view key, std::string_view value,
                                int64_t lease) {
  json body = {{"key", Base64Encode(key)}, {"value", Base64Encode(value)}};
  if (lease != 0) body["lease"] = std::to_string(lease);
  auto reply = Call("/v3/kv/put", body);
  if (!reply.ok()) return reply.error();
  return JsonInt(reply->value("header", json::object()), "revision");
}

Result<int64_t> EtcdClient::LeaseGrant(int64_t ttl_seconds) {
  auto reply = Call("/v3/lease/grant", {{"TTL", std::to_string(ttl_seconds)}});
  if (!reply.ok()) return reply.error();
  int64_t id = JsonInt(*reply, "ID");
  if (id == 0) {
    return MakeError("etcd lease grant: no lease id in " + reply->dump());
  }
  return id;
}

Result<int64_t> EtcdClient::LeaseKeepAlive(int64_t lease) {
  auto reply = Call("/v3/lease/keepalive", {{"ID", std::to_string(lease)}});
  if (!reply.ok()) return reply.error();
  return JsonInt(*reply, "TTL");
}

Status EtcdClient::LeaseRevoke(int64_t lease) {
  auto reply = Call("/v3/lease/revoke", {{"ID", std::to_string(lease)}});
  if (!reply.ok()) return reply.error();
  return Status::Ok();
}

Status EtcdClient::Compact(int64_t revision) {
  auto reply =
      Call("/v3/kv/compaction",
           {{"revision", std::to_string(revision)}, {"physical", true}});
  if (!reply.ok()) return reply.error();
  return Status::Ok();
}

}  // namespace staticship::scheduler::etcd
