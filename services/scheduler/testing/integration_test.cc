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

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "common/http/client.h"
#include "common/testing/child_process.h"
#include "common/testing/ports.h"
#include "common/testing/temp_dir.h"
#include "common/testing/wait.h"

namespace staticship::scheduler {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

std::string g_scheduler;
std::string g_standin;

using Process = staticship::testing::ChildProcess;

using staticship::testing::WaitFor;

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

  struct ZoneSpec {
    std::vector<int> ports;  // game servers, round robin in this order
    std::string path = "/dispatch";
    int max_in_flight = 0;  // 0: left out of the file (the default cap)
  };

  std::unique_ptr<Process> StartSchedulerZones(
      const std::map<std::string, ZoneSpec>& zones, int workers,
      int drain_grace_ms = 5000, const std::vector<std::string>& extra = {}) {
    std::string zones_file = dir_.path() + "/zones.yaml";
    {
      std::ofstream out(zones_file);
      out << "zones:\n";
      for (const auto& [zone, spec] : zones) {
        out << "  " << zone << ": { endpoints: [";
        for (size_t i = 0; i < spec.ports.size(); ++i) {
          out << (i > 0 ? ", " : "") << "127.0.0.1:" << spec.ports[i];
        }
        out << "], path: " << spec.path;
        if (spec.max_in_flight > 0) {
          out << ", max_in_flight: " << spec.max_in_flight;
        }
        out << " }\n";
      }
    }
    std::string port_file =
        dir_.path() + "/scheduler" + std::to_string(++children_) + ".port";
    std::vector<std::string> argv{g_scheduler,
                                  "--data-dir",
                                  dir_.path() + "/data",
                                  "--listen",
                                  "127.0.0.1:0",
                                  "--port-file",
                                  port_file,
                                  "--workers",
                                  std::to_string(workers),
                                  "--zones",
                                  zones_file,
                                  "--drain-grace-ms",
                                  std::to_string(drain_grace_ms)};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto p = std::make_unique<Process>(argv, dir_.path() + "/scheduler.log");
    base_ = "http://127.0.0.1:" + std::to_string(ReadPort(port_file));
    return p;
  }

  // zones: zone id -> game-server port
  std::unique_ptr<Process> StartScheduler(
      const std::map<std::string, int>& zones, int workers) {
    std::map<std::string, ZoneSpec> specs;
    for (const auto& [zone, port] : zones) specs[zone].ports = {port};
    return StartSchedulerZones(specs, workers);
  }

  json StandinGet(int port, const std::string& path) {
    auto r = client_.Get("http://127.0.0.1:" + std::to_string(port) + path);
    if (!r.ok() || r->status != 200) return json();
    return json::parse(r->body, nullptr, false);
  }
  // What a stand-in started with --record received, in arrival order.
  json Received(int port) {
    json r = StandinGet(port, "/requests");
    return r.is_object() ? r["requests"] : json::array();
  }

  // The /metrics sample lines as `name{labels}` -> value.
  std::map<std::string, double> Metrics() {
    std::map<std::string, double> samples;
    auto r = client_.Get(base_ + "/metrics");
    if (!r.ok() || r->status != 200) return samples;
    std::istringstream in(r->body);
    std::string line;
    while (std::getline(in, line)) {
      size_t space = line.rfind(' ');
      if (line.empty() || line[0] == '#' || space == std::string::npos) {
        continue;
      }
      samples[line.substr(0, space)] = std::stod(line.substr(space + 1));
    }
    return samples;
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

  staticship::testing::TempDir dir_;
  http::Client client_;
  std::string base_;
  int children_ = 0;
};

TEST_F(SchedulerTest, HealthAndValidationWithoutGameServers) {
  auto scheduler =
      StartScheduler({{"cn-1", staticship::testing::DeadPort()}}, 4);
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

TEST_F(SchedulerTest, FinishedTasksAreForgottenAfterTheRetention) {
  int port;
  auto game = StartStandin({}, &port);
  std::map<std::string, ZoneSpec> zones;
  zones["cn-1"].ports = {port};
  auto scheduler =
      StartSchedulerZones(zones, 4, 5000, {"--retain-finished-seconds", "1"});
  ASSERT_EQ(Post({{"id", "brief"}, {"zone_id", "cn-1"}})->status, 201);
  ASSERT_TRUE(WaitState("brief", "succeeded"));
  // Checked once a second, so gone between one and about two seconds on.
  EXPECT_TRUE(WaitFor(
      [&] {
        auto r = client_.Get(base_ + "/v1/tasks/brief");
        return r.ok() && r->status == 404;
      },
      10s));
  // The id is free again: a new task, dispatched again.
  EXPECT_EQ(Post({{"id", "brief"}, {"zone_id", "cn-1"}})->status, 201);
  EXPECT_TRUE(WaitState("brief", "succeeded"));
}

TEST_F(SchedulerTest, OversizedBodyIsA400NamingTheBodyAtAnySize) {
  auto scheduler = StartScheduler({{"cn-1", 9}}, 1);
  // Past the API's 1 MiB, and past the 8 MiB the HTTP layer reads at all.
  for (size_t size : {size_t{2} << 20, size_t{9} << 20}) {
    json body = {{"zone_id", "cn-1"}, {"payload", std::string(size, 'x')}};
    auto r = Post(body);
    ASSERT_TRUE(r.ok()) << size << ": " << r.message();
    EXPECT_EQ(r->status, 400) << size;
    json error = json::parse(r->body, nullptr, false);
    ASSERT_TRUE(error.is_object()) << r->body;
    EXPECT_EQ(error["field"], "body") << r->body;
  }
  EXPECT_EQ(Metrics()["scheduler_tasks{state=\"queued\"}"], 0);
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
  auto scheduler = StartScheduler(
      {{"cn-1", port}, {"gone", staticship::testing::DeadPort()}}, 2);
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

// The retry defaults (retry_policy.h) must outlast a game server's restart:
// tasks that name no retry settings arrive while their only game server is
// down for 10 s, and every one of them still succeeds once it is back.
TEST_F(SchedulerTest, DefaultRetriesOutlastATenSecondGameServerRestart) {
  int port;
  auto game = StartStandin({}, &port);
  auto scheduler = StartScheduler({{"cn-1", port}}, 4);
  game.reset();  // SIGKILL: connections to its port are now refused
  constexpr int kTasks = 50;
  for (int i = 0; i < kTasks; ++i) {
    ASSERT_EQ(Post({{"id", "outage-" + std::to_string(i)}, {"zone_id", "cn-1"}})
                  ->status,
              201);
  }
  std::this_thread::sleep_for(10s);
  for (int i = 0; i < kTasks; ++i) {
    std::string state = StateOf("outage-" + std::to_string(i));
    ASSERT_TRUE(state == "queued" || state == "running") << i << ": " << state;
  }
  int restarted_port;
  auto back = StartStandin({"--port", std::to_string(port)}, &restarted_port);
  ASSERT_EQ(restarted_port, port);
  // Each retry waits at least half its ceiling, so four retries take at
  // least 0.5 + 1 + 2 + 4 s and a retry pending at 10 s is at most the
  // fifth, whose wait is at most 16 s.
  for (int i = 0; i < kTasks; ++i) {
    std::string id = "outage-" + std::to_string(i);
    ASSERT_TRUE(WaitState(id, "succeeded", 30s)) << id << ": " << StateOf(id);
    EXPECT_GE(GetTask(id)["attempts"].get<int>(), 2) << id;
  }
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

TEST_F(SchedulerTest, RoundRobinsOverTheZoneAtItsPathWithPayloadAndTaskId) {
  int port_a, port_b;
  auto game_a = StartStandin({"--record"}, &port_a);
  auto game_b = StartStandin({"--record"}, &port_b);
  auto scheduler = StartSchedulerZones(
      {{"cn-1", {{port_a, port_b}, "/game/v2/dispatch"}}}, 1);
  constexpr int kTasks = 6;
  std::map<std::string, json> payloads;
  for (int i = 0; i < kTasks; ++i) {
    std::string id = "rr-" + std::to_string(i);
    payloads[id] = {
        {"order", i},
        {"items", {{{"sku", "épée-" + std::to_string(i)}, {"qty", i * 1.5}}}},
        {"note", "line\nbreak \"quoted\" \\ tab\t"},
        {"none", nullptr},
        {"flags", {true, false}}};
    ASSERT_EQ(Post({{"id", id}, {"zone_id", "cn-1"}, {"payload", payloads[id]}})
                  ->status,
              201);
  }
  for (const auto& [id, payload] : payloads) {
    ASSERT_TRUE(WaitState(id, "succeeded")) << id;
  }
  // task id -> which game server got it
  std::map<std::string, int> server_of;
  for (int server : {0, 1}) {
    json received = Received(server == 0 ? port_a : port_b);
    EXPECT_EQ(received.size(), size_t{kTasks / 2}) << received.dump();
    for (const json& r : received) {
      std::string id = r["task"];
      EXPECT_EQ(r["method"], "POST") << id;
      EXPECT_EQ(r["path"], "/game/v2/dispatch") << id;
      ASSERT_EQ(payloads.count(id), 1u) << "X-Task-Id " << id;
      EXPECT_EQ(json::parse(r["body"].get<std::string>()), payloads[id]) << id;
      EXPECT_TRUE(server_of.emplace(id, server).second) << "sent twice: " << id;
    }
  }
  ASSERT_EQ(server_of.size(), size_t{kTasks});
  // One worker dispatches in FIFO order, so round robin alternates.
  for (int i = 1; i < kTasks; ++i) {
    EXPECT_NE(server_of["rr-" + std::to_string(i)],
              server_of["rr-" + std::to_string(i - 1)])
        << "rr-" << i << " went to the same game server as the task before";
  }
}

TEST_F(SchedulerTest, ZoneMaxInFlightBoundsConcurrentDispatches) {
  int port;
  auto game = StartStandin({"--mode", "delay", "--delay-ms", "300"}, &port);
  // 8 workers and one zone: without its cap the zone would get all 8.
  auto scheduler = StartSchedulerZones({{"cn-1", {{port}, "/dispatch", 2}}}, 8);
  constexpr int kTasks = 8;
  for (int i = 0; i < kTasks; ++i) {
    ASSERT_EQ(
        Post({{"id", "cap-" + std::to_string(i)}, {"zone_id", "cn-1"}})->status,
        201);
  }
  for (int i = 0; i < kTasks; ++i) {
    ASSERT_TRUE(WaitState("cap-" + std::to_string(i), "succeeded", 20s)) << i;
  }
  json stats = StandinGet(port, "/stats");
  EXPECT_EQ(stats["requests"], kTasks);
  EXPECT_LE(stats["max_in_flight"].get<int>(), 2) << stats.dump();
  EXPECT_GE(stats["max_in_flight"].get<int>(), 1) << stats.dump();
}

TEST_F(SchedulerTest, ListTruncatesAtLimitAndNamesABadParameter) {
  auto scheduler =
      StartScheduler({{"cn-1", staticship::testing::DeadPort()}}, 1);
  constexpr int kTasks = 5;
  for (int i = 0; i < kTasks; ++i) {
    ASSERT_EQ(Post({{"id", "list-" + std::to_string(i)},
                    {"zone_id", "cn-1"},
                    {"max_retries", 0}})
                  ->status,
              201);
  }
  auto ids = [this](const std::string& query) {
    std::vector<std::string> out;
    auto r = client_.Get(base_ + "/v1/tasks?" + query);
    EXPECT_TRUE(r.ok() && r->status == 200) << query;
    if (!r.ok()) return out;
    json list = json::parse(r->body);
    for (const json& t : list["tasks"]) out.push_back(t["id"]);
    return out;
  };
  EXPECT_EQ(ids("limit=3"),
            (std::vector<std::string>{"list-0", "list-1", "list-2"}));
  EXPECT_EQ(ids("limit=100").size(), size_t{kTasks});
  for (int i = 0; i < kTasks; ++i) {
    ASSERT_TRUE(WaitState("list-" + std::to_string(i), "dead")) << i;
  }
  EXPECT_EQ(ids("state=dead&limit=2"),
            (std::vector<std::string>{"list-0", "list-1"}));
  EXPECT_TRUE(ids("state=succeeded&limit=2").empty());

  struct Case {
    std::string query;
    std::string field;
  };
  for (const Case& c : std::vector<Case>{
           {"state=bogus", "state"},
           {"state=", "state"},
           {"state=DEAD&limit=2", "state"},
           {"limit=0", "limit"},
           {"limit=-1", "limit"},
           {"limit=abc", "limit"},
           {"limit=3x", "limit"},
           {"limit=10001", "limit"},
           {"state=dead&limit=", "limit"},
       }) {
    auto r = client_.Get(base_ + "/v1/tasks?" + c.query);
    ASSERT_TRUE(r.ok()) << r.message();
    EXPECT_EQ(r->status, 400) << c.query;
    json error = json::parse(r->body, nullptr, false);
    ASSERT_TRUE(error.is_object()) << c.query << ": " << r->body;
    EXPECT_EQ(error["field"], c.field) << c.query << ": " << r->body;
    EXPECT_NE(error.value("error", "").find(c.field), std::string::npos)
        << c.query << ": " << r->body;
  }
}

TEST_F(SchedulerTest, MetricsCountWhatHappened) {
  int ok_port, error_port, hang_port;
  auto ok = StartStandin({"--fail-first", "1"}, &ok_port);
  auto broken = StartStandin({"--mode", "server_error"}, &error_port);
  auto hang = StartStandin({"--mode", "hang"}, &hang_port);
  constexpr int kWorkers = 4;
  auto scheduler =
      StartSchedulerZones({{"ok", {{ok_port}}},
                           {"broken", {{error_port}}},
                           {"hang", {{hang_port}, "/dispatch", 1}}},
                          kWorkers);
  // 503 then 200: one retry, succeeded after 2 attempts.
  ASSERT_EQ(
      Post({{"id", "m-retry"}, {"zone_id", "ok"}, {"backoff_ms", 5}})->status,
      201);
  ASSERT_TRUE(WaitState("m-retry", "succeeded"));
  ASSERT_EQ(Post({{"id", "m-ok"}, {"zone_id", "ok"}})->status, 201);
  // 500 twice: one retry, dead.
  ASSERT_EQ(Post({{"id", "m-dead"},
                  {"zone_id", "broken"},
                  {"backoff_ms", 5},
                  {"max_retries", 1}})
                ->status,
            201);
  // Two timeouts, one retry, timed_out.
  ASSERT_EQ(Post({{"id", "m-timeout"},
                  {"zone_id", "hang"},
                  {"timeout_ms", 200},
                  {"backoff_ms", 5},
                  {"max_retries", 1}})
                ->status,
            201);
  ASSERT_TRUE(WaitState("m-ok", "succeeded"));
  ASSERT_TRUE(WaitState("m-dead", "dead"));
  ASSERT_TRUE(WaitState("m-timeout", "timed_out"));
  // One dispatch left hanging holds the hang zone's only slot, so two more
  // tasks of that zone wait in the queue at priority 7.
  ASSERT_EQ(Post({{"id", "m-stuck"},
                  {"zone_id", "hang"},
                  {"priority", 7},
                  {"timeout_ms", 600000}})
                ->status,
            201);
  ASSERT_TRUE(WaitState("m-stuck", "running"));
  for (const char* id : {"m-wait-1", "m-wait-2"}) {
    ASSERT_EQ(Post({{"id", id}, {"zone_id", "hang"}, {"priority", 7}})->status,
              201);
  }

  std::map<std::string, double> m = Metrics();
  ASSERT_FALSE(m.empty());
  auto value = [&m](const std::string& sample) {
    auto it = m.find(sample);
    EXPECT_NE(it, m.end()) << "no sample " << sample;
    return it == m.end() ? -1 : it->second;
  };
  std::map<std::string, double> states = {
      {"queued", 2},    {"running", 1}, {"succeeded", 2}, {"failed", 0},
      {"timed_out", 1}, {"dead", 1},    {"canceled", 0}};
  for (const auto& [state, n] : states) {
    EXPECT_EQ(value("scheduler_tasks{state=\"" + state + "\"}"), n) << state;
  }
  for (int p = 0; p <= 9; ++p) {
    EXPECT_EQ(
        value("scheduler_queue_depth{priority=\"" + std::to_string(p) + "\"}"),
        p == 7 ? 2 : 0)
        << "priority " << p;
  }
  // Completed attempts: m-retry 2, m-ok 1, m-dead 2, m-timeout 2.
  constexpr double kCompleted = 7;
  EXPECT_EQ(value("scheduler_dispatch_seconds_count"), kCompleted);
  EXPECT_EQ(value("scheduler_dispatch_seconds_bucket{le=\"+Inf\"}"),
            kCompleted);
  // Both timeouts took at least their 200 ms.
  EXPECT_LE(value("scheduler_dispatch_seconds_bucket{le=\"0.1\"}"),
            kCompleted - 2);
  EXPECT_GE(value("scheduler_dispatch_seconds_sum"), 0.4);
  // Cumulative buckets: never decreasing with their bound.
  std::vector<std::pair<double, double>> buckets;  // le -> count
  const std::string prefix = "scheduler_dispatch_seconds_bucket{le=\"";
  for (const auto& [sample, n] : m) {
    if (sample.rfind(prefix, 0) != 0) continue;
    std::string le =
        sample.substr(prefix.size(), sample.size() - prefix.size() - 2);
    buckets.emplace_back(le == "+Inf" ? HUGE_VAL : std::stod(le), n);
  }
  std::sort(buckets.begin(), buckets.end());
  EXPECT_GE(buckets.size(), 10u);
  for (size_t i = 1; i < buckets.size(); ++i) {
    EXPECT_LE(buckets[i - 1].second, buckets[i].second)
        << "le=" << buckets[i].first;
  }
  EXPECT_EQ(value("scheduler_dispatches_total"), kCompleted + 1);
  EXPECT_EQ(value("scheduler_retries_total"), 3);
  EXPECT_EQ(value("scheduler_timeouts_total"), 2);
  EXPECT_EQ(value("scheduler_tasks_submitted_total"), 7);
  EXPECT_EQ(value("scheduler_workers"), kWorkers);
  EXPECT_EQ(value("scheduler_workers_busy"), 1);
  EXPECT_DOUBLE_EQ(value("scheduler_worker_utilisation"), 1.0 / kWorkers);
  EXPECT_EQ(value("scheduler_invalid_transitions_total"), 0);
}

TEST_F(SchedulerTest, SigtermRefusesNewTasksAndFinishesTheDispatchInFlight) {
  int port;
  auto game = StartStandin(
      {"--mode", "delay", "--delay-ms", "1500", "--record"}, &port);
  auto scheduler = StartScheduler({{"cn-1", port}}, 2);
  ASSERT_EQ(Post({{"id", "inflight"}, {"zone_id", "cn-1"}})->status, 201);
  ASSERT_TRUE(WaitFor([&] { return Received(port).size() == 1; }, 5s));
  scheduler->Signal(SIGTERM);
  // Intake closes once the signal is taken; until then a POST may still
  // be accepted (and kept). The dispatch in flight takes 1.5 s, so the
  // server is still answering.
  int n = 0;
  std::string refusal;
  bool refused = WaitFor(
      [&] {
        auto r = Post({{"id", "late-" + std::to_string(n++)},
                       {"zone_id", "cn-1"},
                       {"payload", "after SIGTERM"}});
        if (!r.ok() || r->status != 503) return false;
        refusal = r->body;
        return true;
      },
      1000ms);
  EXPECT_TRUE(refused) << "POST still accepted after SIGTERM";
  EXPECT_NE(refusal.find("shutting down"), std::string::npos) << refusal;
  EXPECT_EQ(StateOf("inflight"), "running");  // reads keep working
  EXPECT_EQ(scheduler->Wait(), 0);
  auto again = StartScheduler({{"cn-1", port}}, 2);
  json task = GetTask("inflight");
  EXPECT_EQ(task["state"], "succeeded");  // finished before the exit
  EXPECT_EQ(task["attempts"], 1);
  EXPECT_EQ(json::parse(task["response"].get<std::string>())["seq"], 1);
}

TEST_F(SchedulerTest, SigtermExitsZeroWhenTheGracePeriodEnds) {
  int port;
  auto game = StartStandin({"--mode", "hang", "--record"}, &port);
  auto scheduler =
      StartSchedulerZones({{"cn-1", {{port}}}}, 2, /*drain_grace_ms=*/300);
  ASSERT_EQ(Post({{"id", "stuck"}, {"zone_id", "cn-1"}, {"timeout_ms", 600000}})
                ->status,
            201);
  ASSERT_TRUE(WaitFor([&] { return Received(port).size() == 1; }, 5s));
  auto start = std::chrono::steady_clock::now();
  scheduler->Signal(SIGTERM);
  EXPECT_EQ(scheduler->Wait(), 0);
  // Bounded by the grace period (and the server's drain), not by the
  // 10-minute task timeout.
  EXPECT_LT(std::chrono::duration_cast<std::chrono::seconds>(
                std::chrono::steady_clock::now() - start)
                .count(),
            30);
  // Cut short, so it runs again after a restart, under the same id.
  auto again = StartSchedulerZones({{"cn-1", {{port}}}}, 2);
  ASSERT_TRUE(WaitFor([&] { return Received(port).size() == 2; }, 10s));
  for (const json& r : Received(port)) EXPECT_EQ(r["task"], "stuck");
}

TEST_F(SchedulerTest, Kill9MidRunLosesNoAcceptedTask) {
  int port, slow_port;
  auto game = StartStandin(
      {"--mode", "delay", "--delay-ms", "2", "--threads", "2"}, &port);
  // Holds its first dispatch until the kill, answers later ones at once.
  auto slow = StartStandin({"--hang-first", "1", "--record"}, &slow_port);
  const std::map<std::string, ZoneSpec> zones = {
      {"cn-1", {{port}, "/dispatch", 16}}, {"slow", {{slow_port}}}};
  auto scheduler = StartSchedulerZones(zones, 16);
  // Running when the scheduler is killed.
  ASSERT_EQ(Post({{"id", "crash-running"},
                  {"zone_id", "slow"},
                  {"timeout_ms", 600000}})
                ->status,
            201);
  ASSERT_TRUE(WaitFor([&] { return Received(slow_port).size() == 1; }, 10s));
  constexpr int kTasks = 1000;
  constexpr int kThreads = 8;
  std::mutex mu;
  std::set<std::string> accepted;
  std::atomic<int> acked{0};
  std::atomic<bool> listed{false};
  std::atomic<bool> killed{false};
  std::vector<std::thread> producers;
  for (int t = 0; t < kThreads; ++t) {
    producers.emplace_back([&, t] {
      http::Client client;
      for (int i = t; i < kTasks; i += kThreads) {
        // A pause at a third of the run while the results so far are read.
        while (acked >= kTasks / 3 && !listed) {
          std::this_thread::sleep_for(1ms);
        }
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
          {
            std::lock_guard<std::mutex> lock(mu);
            accepted.insert(id);
          }
          // Killed from here rather than by a polling thread, which the
          // producers would outrun by hundreds of tasks.
          if (++acked >= kTasks / 2 && listed && !killed.exchange(true)) {
            scheduler->Signal(SIGKILL);
          }
        }
      }
    });
  }
  // Results seen at a third of the run are durable by the kill at half of
  // it: every submission acknowledged in between was synced after them.
  std::map<std::string, std::string> finished;  // id -> game server's answer
  bool third = WaitFor([&] { return acked >= kTasks / 3; }, 30s);
  if (auto r = client_.Get(base_ + "/v1/tasks?state=succeeded&limit=10000");
      third && r.ok()) {
    json list = json::parse(r->body);
    for (const json& t : list["tasks"]) finished[t["id"]] = t["response"];
  }
  listed = true;
  for (auto& p : producers) p.join();
  ASSERT_TRUE(killed) << "kill came too late to test (all tasks accepted)";
  EXPECT_EQ(scheduler->Wait(), -SIGKILL);
  ASSERT_GE(accepted.size(), size_t{kTasks / 2});
  ASSERT_LT(accepted.size(), size_t{kTasks}) << "kill came too late to test";
  ASSERT_FALSE(finished.empty()) << "kill came too early to test";

  scheduler = StartSchedulerZones(zones, 16);
  for (const std::string& id : accepted) {
    json t = GetTask(id);
    ASSERT_TRUE(t.is_object()) << "accepted task lost: " << id;
  }
  for (const auto& [id, response] : finished) {
    json t = GetTask(id);
    EXPECT_EQ(t["state"], "succeeded") << id;
    EXPECT_EQ(t["response"], response) << id << " ran again after the kill";
  }
  // Running at the kill: dispatched again, under the same X-Task-Id.
  ASSERT_TRUE(WaitState("crash-running", "succeeded"));
  json slow_received = Received(slow_port);
  ASSERT_EQ(slow_received.size(), 2u) << slow_received.dump();
  for (const json& r : slow_received) EXPECT_EQ(r["task"], "crash-running");
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
        return r.ok() &&
               json::parse(r->body)["tasks"].size() == size_t{kTasks} + 1;
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
