#include "services/scheduler/game_server_transport.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <string>

#include "common/testing/ports.h"

namespace staticship::scheduler {
namespace {

using namespace std::chrono_literals;

DispatchRequest To(const std::string& endpoint) {
  DispatchRequest request;
  request.endpoint = endpoint;
  request.path = "/tasks";
  request.task_id = "t-1";
  request.body = "{}";
  request.timeout = 200ms;
  return request;
}

std::string DeadEndpoint() {
  return "127.0.0.1:" + std::to_string(staticship::testing::DeadPort());
}

// The blocking path classifies by the client's error code: a silent game
// server is a timeout (the task may have been processed), a refused
// connection is a connect error (it was not).
TEST(HttpTransportTest, SendTellsATimeoutFromAConnectError) {
  HttpTransport transport(2);
  auto silent = staticship::testing::ListenOnLoopback(8);  // never accepts
  ASSERT_TRUE(silent.ok()) << silent.message();
  DispatchOutcome slow =
      transport.Send(To("127.0.0.1:" + std::to_string(silent->port)));
  EXPECT_EQ(slow.kind, DispatchOutcome::Kind::kTimeout) << slow.error;

  DispatchOutcome refused = transport.Send(To(DeadEndpoint()));
  EXPECT_EQ(refused.kind, DispatchOutcome::Kind::kConnectError)
      << refused.error;
  // The message still says what happened, for the task's last error.
  EXPECT_NE(refused.error.find("[refused]"), std::string::npos)
      << refused.error;
}

TEST(HttpTransportTest, SendAsyncTellsATimeoutFromAConnectError) {
  HttpTransport transport(2);
  auto silent = staticship::testing::ListenOnLoopback(8);
  ASSERT_TRUE(silent.ok()) << silent.message();
  for (const auto& [endpoint, kind] :
       {std::pair{"127.0.0.1:" + std::to_string(silent->port),
                  DispatchOutcome::Kind::kTimeout},
        std::pair{DeadEndpoint(), DispatchOutcome::Kind::kConnectError}}) {
    std::promise<DispatchOutcome> done;
    transport.SendAsync(To(endpoint), [&done](DispatchOutcome outcome) {
      done.set_value(std::move(outcome));
    });
    std::future<DispatchOutcome> answer = done.get_future();
    ASSERT_EQ(answer.wait_for(5s), std::future_status::ready) << endpoint;
    DispatchOutcome outcome = answer.get();
    EXPECT_EQ(outcome.kind, kind) << endpoint << ": " << outcome.error;
  }
}

}  // namespace
}  // namespace staticship::scheduler
