// End-to-end tests: the real scheduler binary against game-server stand-ins,
// all on loopback with kernel-chosen ports.
//
//   integration_test <scheduler binary> <game_server_standin binary>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "services/common/http/client.h"
#include "services/scheduler/testing/child_process.h"
#include "services/scheduler/testing/temp_dir.h"

namespace staticship::scheduler {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

std::string g_scheduler;
std::string g_standin;

using Process = staticship::scheduler::testing::ChildProcess;

template <typename F>
bool WaitFor(F&& condition, std::chrono::milliseconds limit) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (condition()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return condition();
}

int ReadPort(const std::string& file) {
  int port = 0;
  WaitFor(
      [&] {
        std::ifstream in(file);
        return static_cast<bool>(in >> port) && port > 0;
      },
      10s);
  return port;
}

// A loopback port that nothing listens on.
int DeadPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

class SchedulerTest : public ::testing::Test {
 protected:
  std::unique_ptr<Process> StartStandin(const std::vector<std::string>& extra,
                                        int* port) {
    std::string port_file =
        dir_.path() + "/standin" + std::to_string(++children_) + ".port";
    std::vector<std::string> argv = {g_standin, "--port-file", port_file};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto p = std::make_unique<Process>(argv, dir_.path() + "/standin.log");
    *port = ReadPort(port_file);
    return p;
  }

  // zones: zone id -> game-server port
  std::unique_ptr<Process> StartScheduler(
      const std::map<std::string, int>& zones, int workers) {
    std::string zones_file = dir_.path() + "/zones.yaml";
    {
      std::ofstream out(zones_file);
      out << "zones:\n";
      for (const auto& [zone, port] : zones) {
        out << "  " << zone << ": { endpoints: [127.0.0.1:" << port
            << "], path: /dispatch }\n";
      }
    }
    std::string port_file =
        dir_.path() + "/scheduler" + std::to_string(++children_) + ".port";
    auto p = std::make_unique<Process>(
        std::vector<std::string>{
            g_scheduler, "--data-dir", dir_.path() + "/data", "--listen",
            "127.0.0.1:0", "--port-file", port_file, "--workers",
            std::to_string(workers), "--zones", zones_file, "--drain-grace-ms",
            "5000"},
        dir_.path() + "/scheduler.log");
    base_ = "http://127.0.0.1:" + std::to_string(ReadPort(port_file));
    return p;
  }

  Result<http::Response> Post(const json& body) {
    return client_.Post(base_ + "/v1/tasks", body.dump(), "application/json");
  }
  json GetTask(const std::string& id) {
    auto r = client_.Get(base_ + "/v1/tasks/" + id);
    if (!r.ok() || r->status != 200) return json();
    return json::parse(r->body);
  }
  std::string StateOf(const std::string& id) {
    json t = GetTask(id);
    return t.is_object() ? t["state"].get<std::string>() : "";
  }
  bool WaitState(const std::string& id, const std::string& state,
                 std::chrono::milliseconds limit = 10s) {
    return WaitFor([&] { return StateOf(id) == state; }, limit);
  }

  testing::TempDir dir_;
  http::Client client_;
  std::string base_;
  int children_ = 0;
};

TEST_F(SchedulerTest, HealthAndValidationWithoutGameServers) {
  auto scheduler = StartScheduler({{"cn-1", DeadPort()}}, 4);
  auto health = client_.Get(base_ + "/health");
  ASSERT_TRUE(health.ok()) << health.message();
  EXPECT_EQ(health->status, 200);
  struct Case {
    std::string body;
    std::string field;
  };
  for (const Case& c : std::vector<Case>{
           {"{oops", "body"},
           {R"({"payload":1})", "zone_id"},
           {R"({"zone_id":"mars"})", "zone_id"},
           {R"({"zone_id":"cn-1","priority":10})", "priority"},
           {R"({"zone_id":"cn-1","payload":")" + std::string(1100000, 'x') +
                R"("})",
            "body"},
       }) {
    auto r = client_.Post(base_ + "/v1/tasks", c.body, "application/json");
    ASSERT_TRUE(r.ok()) << r.message();
    EXPECT_EQ(r->status, 400) << c.body.substr(0, 60);
    EXPECT_EQ(json::parse(r->body)["field"], c.field) << r->body;
  }
  auto list = client_.Get(base_ + "/v1/tasks");
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(json::parse(list->body)["tasks"].empty());  // nothing stored
  auto metrics = client_.Get(base_ + "/metrics");
  ASSERT_TRUE(metrics.ok());
  EXPECT_NE(metrics->body.find("scheduler_queue_depth{priority=\"9\"}"),
            std::string::npos);
}

TEST_F(SchedulerTest, DispatchesWithTaskIdAndIsIdempotent) {
  int port;
  auto game = StartStandin({}, &port);
  auto scheduler = StartScheduler({{"cn-1", port}}, 4);
  auto r =
      Post({{"id", "order-1"}, {"zone_id", "cn-1"}, {"payload", {{"a", 1}}}});
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(json::parse(r->body)["state"], "queued");
  ASSERT_TRUE(WaitState("order-1", "succeeded"));
  json task = GetTask("order-1");
  EXPECT_EQ(task["attempts"], 1);
  EXPECT_EQ(json::parse(task["response"].get<std::string>())["task"],
            "order-1");
  auto again = Post({{"id", "order-1"}, {"zone_id", "cn-1"}, {"priority", 9}});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->status, 200);
  EXPECT_EQ(json::parse(again->body)["state"], "succeeded");
  auto stats =
      client_.Get("http://127.0.0.1:" + std::to_string(port) + "/stats");
  EXPECT_EQ(json::parse(stats->body)["requests"], 1);
}

TEST_F(SchedulerTest, HigherPriorityNeverWaitsBehindLower) {
  int port;
  auto game = StartStandin({"--mode", "delay", "--delay-ms", "150"}, &port);
  auto scheduler = StartScheduler({{"cn-1", port}}, 1);
  ASSERT_EQ(
      Post({{"id", "blocker"}, {"zone_id", "cn-1"}, {"priority", 0}})->status,
      201);
  ASSERT_TRUE(WaitState("blocker", "running", 5s));
  for (auto [id, prio] : std::vector<std::pair<std::string, int>>{
           {"low-a", 1}, {"low-b", 1}, {"top", 9}, {"mid", 5}, {"low-c", 1}}) {
    ASSERT_EQ(
        Post({{"id", id}, {"zone_id", "cn-1"}, {"priority", prio}})->status,
        201);
  }
  std::vector<std::string> ids = {"blocker", "top",   "mid",
                                  "low-a",   "low-b", "low-c"};
  std::vector<int> seq;
  for (const auto& id : ids) {
    ASSERT_TRUE(WaitState(id, "succeeded", 10s)) << id;
    seq.push_back(
        json::parse(GetTask(id)["response"].get<std::string>())["seq"]);
  }
  EXPECT_TRUE(std::is_sorted(seq.begin(), seq.end()))
      << "dispatch order by seq: " << json(seq).dump();
}

TEST_F(SchedulerTest, RetriesServerErrorsThenSucceeds) {
  int port;
  auto game = StartStandin({"--fail-first", "2"}, &port);
  auto scheduler = StartScheduler({{"cn-1", port}}, 2);
  ASSERT_EQ(
      Post({{"id", "r"}, {"zone_id", "cn-1"}, {"backoff_ms", 10}})->status,
      201);
  ASSERT_TRUE(WaitState("r", "succeeded"));
  EXPECT_EQ(GetTask("r")["attempts"], 3);
}

TEST_F(SchedulerTest, ExhaustedRetriesEndInDeadLetter) {
  int port;
  auto game = StartStandin({"--mode", "server_error"}, &port);
  auto scheduler = StartScheduler({{"cn-1", port}, {"gone", DeadPort()}}, 2);
  ASSERT_EQ(Post({{"id", "d"},
                  {"zone_id", "cn-1"},
                  {"backoff_ms", 5},
                  {"max_retries", 2}})
                ->status,
            201);
  ASSERT_EQ(Post({{"id", "down"},
                  {"zone_id", "gone"},
                  {"backoff_ms", 5},
                  {"max_retries", 1}})
                ->status,
            201);
  ASSERT_TRUE(WaitState("d", "dead"));
  ASSERT_TRUE(WaitState("down", "dead"));
  EXPECT_EQ(GetTask("d")["attempts"], 3);
  EXPECT_NE(GetTask("d")["last_error"].get<std::string>().find("HTTP 500"),
            std::string::npos);
  EXPECT_NE(GetTask("down")["last_error"].get<std::string>().find("connect"),
            std::string::npos);
  auto dead = client_.Get(base_ + "/v1/tasks?state=dead&limit=10");
  EXPECT_EQ(json::parse(dead->body)["tasks"].size(), 2u);
}

TEST_F(SchedulerTest, ClientErrorFailsWithoutRetry) {
  int port;
  auto game = StartStandin({"--mode", "client_error"}, &port);
  auto scheduler = StartScheduler({{"cn-1", port}}, 2);
  ASSERT_EQ(Post({{"id", "f"}, {"zone_id", "cn-1"}})->status, 201);
  ASSERT_TRUE(WaitState("f", "failed"));
  EXPECT_EQ(GetTask("f")["attempts"], 1);
}

TEST_F(SchedulerTest, HangingGameServerTimesOut) {
  int port;
  auto game = StartStandin({"--mode", "hang"}, &port);
  auto scheduler = StartScheduler({{"cn-1", port}}, 2);
  ASSERT_EQ(Post({{"id", "t"},
                  {"zone_id", "cn-1"},
                  {"timeout_ms", 200},
                  {"max_retries", 1},
                  {"backoff_ms", 5}})
                ->status,
            201);
  ASSERT_TRUE(WaitState("t", "timed_out"));
  EXPECT_EQ(GetTask("t")["attempts"], 2);
}

TEST_F(SchedulerTest, CancelQueuedButNotRunning) {
  int port;
  auto game = StartStandin({"--mode", "hang"}, &port);
  auto scheduler = StartScheduler({{"cn-1", port}}, 1);
  ASSERT_EQ(Post({{"id", "busy"},
                  {"zone_id", "cn-1"},
                  {"timeout_ms", 3000},
                  {"max_retries", 0}})
                ->status,
            201);
  ASSERT_TRUE(WaitState("busy", "running", 5s));
  ASSERT_EQ(Post({{"id", "waiting"}, {"zone_id", "cn-1"}})->status, 201);
  http::ClientRequest del;
  del.method = "DELETE";
  del.url = base_ + "/v1/tasks/waiting";
  auto r = client_.Send(del);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(StateOf("waiting"), "canceled");
  del.url = base_ + "/v1/tasks/busy";
  EXPECT_EQ(client_.Send(del)->status, 409);
  del.url = base_ + "/v1/tasks/nothing";
  EXPECT_EQ(client_.Send(del)->status, 404);
  ASSERT_TRUE(WaitState("busy", "timed_out", 10s));
  EXPECT_EQ(StateOf("waiting"), "canceled");  // never dispatched
}

TEST_F(SchedulerTest, SigtermDrainsAndExitsZero) {
  int port;
  auto game = StartStandin({"--mode", "delay", "--delay-ms", "300"}, &port);
  auto scheduler = StartScheduler({{"cn-1", port}}, 2);
  ASSERT_EQ(Post({{"id", "inflight"}, {"zone_id", "cn-1"}})->status, 201);
  ASSERT_TRUE(WaitState("inflight", "running", 5s));
  scheduler->Signal(SIGTERM);
  EXPECT_EQ(scheduler->Wait(), 0);
  auto again = StartScheduler({{"cn-1", port}}, 2);
  EXPECT_EQ(StateOf("inflight"), "succeeded");  // finished before exit
}

TEST_F(SchedulerTest, Kill9MidRunLosesNoAcceptedTask) {
  int port;
  auto game = StartStandin(
      {"--mode", "delay", "--delay-ms", "2", "--threads", "2"}, &port);
  auto scheduler = StartScheduler({{"cn-1", port}}, 16);
  constexpr int kTasks = 1000;
  constexpr int kThreads = 8;
  std::mutex mu;
  std::set<std::string> accepted;
  std::atomic<int> acked{0};
  std::vector<std::thread> producers;
  for (int t = 0; t < kThreads; ++t) {
    producers.emplace_back([&, t] {
      http::Client client;
      for (int i = t; i < kTasks; i += kThreads) {
        std::string id = "crash-" + std::to_string(i);
        json body = {{"id", id},
                     {"zone_id", "cn-1"},
                     {"priority", i % 10},
                     {"backoff_ms", 10},
                     {"max_retries", 10}};
        auto r =
            client.Post(base_ + "/v1/tasks", body.dump(), "application/json");
        if (!r.ok()) return;  // scheduler killed
        if (r->status == 201 || r->status == 200) {
          std::lock_guard<std::mutex> lock(mu);
          accepted.insert(id);
          ++acked;
        }
      }
    });
  }
  ASSERT_TRUE(WaitFor([&] { return acked >= kTasks / 2; }, 30s));
  scheduler->Signal(SIGKILL);
  EXPECT_EQ(scheduler->Wait(), -SIGKILL);
  for (auto& p : producers) p.join();
  ASSERT_GT(accepted.size(), 0u);
  ASSERT_LT(accepted.size(), size_t{kTasks}) << "kill came too late to test";

  scheduler = StartScheduler({{"cn-1", port}}, 16);
  for (const std::string& id : accepted) {
    json t = GetTask(id);
    ASSERT_TRUE(t.is_object()) << "accepted task lost: " << id;
  }
  // Producers finish their run against the restarted scheduler.
  for (int i = 0; i < kTasks; ++i) {
    std::string id = "crash-" + std::to_string(i);
    if (accepted.count(id)) continue;
    auto r = Post({{"id", id}, {"zone_id", "cn-1"}, {"backoff_ms", 10}});
    ASSERT_TRUE(r.ok());
    ASSERT_TRUE(r->status == 201 || r->status == 200) << r->status;
  }
  bool all_final = WaitFor(
      [&] {
        auto r = client_.Get(base_ + "/v1/tasks?state=succeeded&limit=10000");
        return r.ok() && json::parse(r->body)["tasks"].size() == size_t{kTasks};
      },
      40s);
  EXPECT_TRUE(all_final);
  for (int i = 0; i < kTasks; ++i) {
    ASSERT_EQ(StateOf("crash-" + std::to_string(i)), "succeeded") << i;
  }
}

}  // namespace
}  // namespace staticship::scheduler

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s <scheduler> <game_server_standin>\n",
                 argv[0]);
    return 2;
  }
  staticship::scheduler::g_scheduler = argv[1];
  staticship::scheduler::g_standin = argv[2];
  return RUN_ALL_TESTS();
}
