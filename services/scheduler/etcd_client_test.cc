#include "services/scheduler/etcd_client.h"

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "common/http/server.h"
#include "common/testing/ports.h"

namespace staticship::scheduler::etcd {
namespace {

using nlohmann::json;

// An etcd member that answers every call with one status and body.
class FixedMember {
 public:
  FixedMember(int status, std::string body) {
    auto server = http::Server::Create(
        {}, [status, body](http::Request, http::Responder responder) {
          responder.Send(http::Response(status, body));
        });
    EXPECT_TRUE(server.ok()) << server.message();
    if (!server.ok()) return;
    server_ = std::move(server).value();
    EXPECT_TRUE(server_->Start().ok());
  }
  std::string url() const {
    return "http://127.0.0.1:" +
           std::to_string(server_ ? server_->port() : uint16_t{1});
  }

 private:
  std::unique_ptr<http::Server> server_;
};

std::string DeadMember() {
  return "http://127.0.0.1:" + std::to_string(staticship::testing::DeadPort());
}

TEST(EtcdClientTest, NoMemberReachableIsTransient) {
  const std::string first = DeadMember();
  const std::string second = DeadMember();
  EtcdClient client({first, second}, std::chrono::milliseconds(2000));
  Result<json> reply = client.Call("/v3/kv/range", json::object());
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.code(), ErrorCode::kUnavailable) << reply.message();
  EXPECT_TRUE(IsTransient(reply.error()));
  // People read the transport's words first and the member last.
  EXPECT_EQ(reply.message().rfind("[refused] ", 0), 0u) << reply.message();
  EXPECT_NE(reply.message().find("(etcd " + second + ")"), std::string::npos)
      << reply.message();
  EXPECT_FALSE(client.reachable());
}

TEST(EtcdClientTest, AMemberWithoutLeaderIsTransientAnErrorStatusIsNot) {
  FixedMember leaderless(503, R"({"error":"etcdserver: no leader"})");
  EtcdClient no_leader({leaderless.url()});
  Result<json> reply = no_leader.Call("/v3/kv/txn", json::object());
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.code(), ErrorCode::kUnavailable) << reply.message();
  EXPECT_TRUE(IsTransient(reply.error()));

  FixedMember refusing(400, R"({"error":"bad request"})");
  EtcdClient bad({refusing.url()});
  reply = bad.Call("/v3/kv/txn", json::object());
  ASSERT_FALSE(reply.ok());
  EXPECT_FALSE(IsTransient(reply.error())) << reply.message();
}

// Whether to retry rests on the code: context in front of a message keeps
// the decision, and a message that reads like a kind does not make one.
TEST(EtcdClientTest, ContextDoesNotChangeWhetherAnErrorIsTransient) {
  Error down = MakeError(ErrorCode::kUnavailable, "[unavailable] no lease");
  EXPECT_TRUE(IsTransient(WithContext(down, "write task a")));
  EXPECT_TRUE(IsTransient(WithContext(down, "[protocol]")));
  EXPECT_TRUE(IsTransient(
      WithContext(MakeError(ErrorCode::kDeadlineExceeded, "slow"), "txn")));
  EXPECT_FALSE(IsTransient(MakeError("[unavailable] only in words")));
  EXPECT_FALSE(IsTransient(MakeError("[timeout] only in words")));
  EXPECT_FALSE(IsTransient(MakeError(ErrorCode::kAlreadyExists, "taken")));
}

TEST(EtcdClientTest, BadEndpointsAreInvalidArguments) {
  auto none = ParseEndpoints(",");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.code(), ErrorCode::kInvalidArgument);
  auto https = ParseEndpoints("https://127.0.0.1:2379");
  ASSERT_FALSE(https.ok());
  EXPECT_EQ(https.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(
      https.message().rfind("etcd endpoint 'https://127.0.0.1:2379': ", 0), 0u)
      << https.message();
}

}  // namespace
}  // namespace staticship::scheduler::etcd
