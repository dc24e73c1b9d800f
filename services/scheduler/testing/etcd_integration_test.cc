// The scheduler's etcd mode against real etcd members on loopback: intake
// by watch, claims shared by two instances, lease takeover after kill -9, a
// compaction under a watch, etcd restarted, and a three-member cluster that
// loses a member.
//
//   etcd_integration_test <scheduler binary> [etcd binary]
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "common/base/file.h"
#include "common/http/client.h"
#include "common/http/server.h"
#include "common/testing/temp_dir.h"
#include "common/testing/wait.h"
#include "services/scheduler/etcd_client.h"
#include "services/scheduler/task.h"
#include "services/scheduler/testing/delayed_sender.h"
#include "services/scheduler/testing/etcd_cluster.h"
#include "services/scheduler/testing/etcd_tcp_proxy.h"

namespace staticship::scheduler {
namespace {

using namespace std::chrono_literals;
using etcd::EtcdClient;
using nlohmann::json;
using staticship::testing::ChildProcess;
using staticship::testing::TempDir;
using testing::EtcdCluster;

std::string g_scheduler;
std::string g_etcd = "etcd";
std::string g_etcdctl = "etcdctl";

using staticship::testing::WaitFor;

// A game server that counts dispatches per X-Task-Id and answers 200, after
// `delay` when one is set.
class CountingGameServer {
 public:
  explicit CountingGameServer(std::chrono::milliseconds delay = 0ms)
      : delay_(delay) {
    http::ServerOptions options;
    options.workers = 2;
    auto server = http::Server::Create(
        options, [this](http::Request request, http::Responder responder) {
          const std::string* id = request.headers.Get("X-Task-Id");
          {
            std::lock_guard<std::mutex> lock(mu_);
            ++counts_[id != nullptr ? *id : ""];
          }
          if (delay_.count() > 0) {
            sender_.Add(std::chrono::steady_clock::now() + delay_,
                        std::move(responder), http::Response(200, "{}"));
            return;
          }
          responder.Send(http::Response(200, "{}"));
        });
    server_ = std::move(server).value();
    (void)server_->Start();
  }
  ~CountingGameServer() { server_->Stop(); }
  int port() const { return server_->port(); }
  std::map<std::string, int> counts() const {
    std::lock_guard<std::mutex> lock(mu_);
    return counts_;
  }

 private:
  std::chrono::milliseconds delay_;
  mutable std::mutex mu_;
  std::map<std::string, int> counts_;
  testing::DelayedSender sender_;
  std::unique_ptr<http::Server> server_;  // last: stopped first
};

class EtcdModeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    game_ = std::make_unique<CountingGameServer>(GameDelay());
    zones_ = dir_.path() + "/zones.yaml";
    std::ofstream(zones_) << "zones:\n  cn-1: { endpoints: [127.0.0.1:"
                          << game_->port() << "], path: /dispatch }\n";
  }
  virtual std::chrono::milliseconds GameDelay() const { return 0ms; }

  struct Instance {
    std::unique_ptr<ChildProcess> process;
    int port = 0;
    std::string log;
    bool healthy = false;
  };

  // Starts an instance and waits until its /health answers 200.
  Instance StartHealthy(const std::string& endpoints, const std::string& prefix,
                        std::vector<std::string> extra_args = {}) {
    Instance in;
    int n = ++instances_;
    std::string port_file = dir_.path() + "/s" + std::to_string(n) + ".port";
    in.log = dir_.path() + "/s" + std::to_string(n) + ".log";
    std::vector<std::string> args{
        g_scheduler, "--etcd",      endpoints,     "--etcd-prefix", prefix,
        "--listen",  "127.0.0.1:0", "--port-file", port_file,       "--zones",
        zones_,      "--workers",   "64"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    in.process = std::make_unique<ChildProcess>(args, in.log);
    WaitFor(
        [&] {
          std::ifstream f(port_file);
          return static_cast<bool>(f >> in.port) && in.port > 0;
        },
        10s);
    in.healthy = WaitFor([&] { return HealthStatus(in) == 200; }, 10s);
    return in;
  }

  // An etcd of `members` on loopback, serving; null when it never got
  // healthy.
  std::unique_ptr<EtcdCluster> StartEtcd(int members) {
    auto etcd = std::make_unique<EtcdCluster>(dir_.path(), members, g_etcd);
    etcd->Start();
    if (!etcd->WaitHealthy(members == 1 ? 15s : 20s)) return nullptr;
    return etcd;
  }

  int HealthStatus(const Instance& in) {
    http::ClientOptions options;
    options.timeout = 2000ms;
    http::Client client(options);
    auto r =
        client.Get("http://127.0.0.1:" + std::to_string(in.port) + "/health");
    return r.ok() ? r->status : -1;
  }

  std::string TaskState(const Instance& in, const std::string& id) {
    auto r = http_.Get("http://127.0.0.1:" + std::to_string(in.port) +
                       "/v1/tasks/" + id);
    if (!r.ok() || r->status != 200) return "";
    return json::parse(r->body, nullptr, false).value("state", "");
  }

  std::string Url(const Instance& in, const std::string& path) {
    return "http://127.0.0.1:" + std::to_string(in.port) + path;
  }

  Result<http::Response> Delete(const std::string& url) {
    http::ClientRequest request;
    request.method = "DELETE";
    request.url = url;
    return http_.Send(request);
  }

  // The value of one sample in the instance's /metrics, -1 when absent.
  double Metric(const Instance& in, const std::string& sample) {
    auto r = http_.Get(Url(in, "/metrics"));
    if (!r.ok() || r->status != 200) return -1;
    std::istringstream lines(r->body);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind(sample + " ", 0) == 0) {
        return std::stod(line.substr(sample.size() + 1));
      }
    }
    return -1;
  }

  static std::string TaskId(int i) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "task-%05d", i);
    return buf;
  }

  // Writes tasks [from, to) straight into etcd, as a producer would.
  static void PutTasks(const std::string& endpoints, const std::string& prefix,
                       int from, int to) {
    auto parsed = etcd::ParseEndpoints(endpoints);
    ASSERT_TRUE(parsed.ok());
    EtcdClient client(*parsed);
    std::atomic<int> next{from};
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&] {
        for (int i = next++; i < to; i = next++) {
          std::string spec = json({{"zone_id", "cn-1"},
                                   {"priority", i % 10},
                                   {"payload", {{"n", i}}}})
                                 .dump();
          bool ok = false;
          for (int attempt = 0; attempt < 50 && !ok; ++attempt) {
            ok = client.Put(prefix + "tasks/" + TaskId(i), spec).ok();
            if (!ok) std::this_thread::sleep_for(100ms);
          }
          if (!ok) ++failures;
        }
      });
    }
    for (auto& t : threads) t.join();
    ASSERT_EQ(failures.load(), 0);
  }

  // etcd's current revision.
  static int64_t Revision(const std::string& endpoints) {
    auto parsed = etcd::ParseEndpoints(endpoints);
    EtcdClient client(*parsed);
    auto range = client.RangePrefix("/none/");
    return range.ok() ? range->revision : -1;
  }

  // How many status records under `prefix` are in a final state.
  static int CountFinal(const std::string& endpoints,
                        const std::string& prefix) {
    auto parsed = etcd::ParseEndpoints(endpoints);
    EtcdClient client(*parsed);
    auto range = client.RangePrefix(prefix + "status/");
    if (!range.ok()) return -1;
    int final_count = 0;
    for (const auto& kv : range->kvs) {
      auto task = TaskFromRecord(kv.value);
      if (task.ok() && IsFinal(task->state)) ++final_count;
    }
    return final_count;
  }

  // A process's log for a failure message: the reason it is missing stands
  // in for it.
  static std::string ReadFile(const std::string& path) {
    Result<std::string> text = ReadWholeFile(path);
    return text.ok() ? *text : text.message();
  }

  TempDir dir_;
  std::unique_ptr<CountingGameServer> game_;
  std::string zones_;
  int instances_ = 0;
  http::Client http_;
};

TEST_F(EtcdModeTest, TasksPutWithEtcdctlAreDispatched) {
  auto etcd = StartEtcd(1);
  ASSERT_TRUE(etcd);
  const std::string prefix = "/it/etcdctl/";
  Instance s = StartHealthy(etcd->endpoints(), prefix);
  ASSERT_TRUE(s.healthy) << ReadFile(s.log);

  auto put = [&](const std::string& key, const std::string& value) {
    ChildProcess p({g_etcdctl, "--endpoints", etcd->url(0), "put", key, value},
                   dir_.path() + "/etcdctl.log");
    return p.Wait();
  };
  ASSERT_EQ(put(prefix + "tasks/a", R"({"zone_id":"cn-1","payload":{"x":1}})"),
            0);
  ASSERT_EQ(put(prefix + "tasks/b", R"({"zone_id":"cn-1","priority":9})"), 0);
  // Not dispatchable: recorded as failed with the reason, never dispatched.
  ASSERT_EQ(put(prefix + "tasks/bad", R"({"zone_id":"nowhere"})"), 0);

  EXPECT_TRUE(WaitFor([&] { return TaskState(s, "a") == "succeeded"; }, 10s))
      << ReadFile(s.log);
  EXPECT_TRUE(WaitFor([&] { return TaskState(s, "b") == "succeeded"; }, 10s));
  EXPECT_TRUE(WaitFor([&] { return TaskState(s, "bad") == "failed"; }, 10s));
  // POST /v1/tasks goes to etcd too and reads back the same way.
  auto posted =
      http_.Post("http://127.0.0.1:" + std::to_string(s.port) + "/v1/tasks",
                 R"({"id":"c","zone_id":"cn-1"})", "application/json");
  ASSERT_TRUE(posted.ok());
  EXPECT_EQ(posted->status, 201) << posted->body;
  EXPECT_TRUE(WaitFor([&] { return TaskState(s, "c") == "succeeded"; }, 10s));
  // The core answers GET from memory; the status write follows it.
  EXPECT_TRUE(
      WaitFor([&] { return CountFinal(etcd->endpoints(), prefix) == 4; }, 10s));
  auto counts = game_->counts();
  EXPECT_EQ(counts["a"], 1);
  EXPECT_EQ(counts["b"], 1);
  EXPECT_EQ(counts["c"], 1);
  EXPECT_EQ(counts.count("bad"), 0u);
}

TEST_F(EtcdModeTest, TwoInstancesDispatchEachOfAThousandTasksOnce) {
  auto etcd = StartEtcd(1);
  ASSERT_TRUE(etcd);
  const std::string prefix = "/it/two/";
  Instance a = StartHealthy(etcd->endpoints(), prefix);
  Instance b = StartHealthy(etcd->endpoints(), prefix);
  ASSERT_TRUE(a.healthy && b.healthy) << ReadFile(a.log) << ReadFile(b.log);
  constexpr int kTasks = 1000;
  const int64_t first_revision = Revision(etcd->endpoints());
  PutTasks(etcd->endpoints(), prefix, 0, kTasks);
  ASSERT_TRUE(WaitFor(
      [&] { return CountFinal(etcd->endpoints(), prefix) == kTasks; }, 40s))
      << CountFinal(etcd->endpoints(), prefix) << "\n"
      << ReadFile(a.log) << ReadFile(b.log);
  // etcd's revision grows by one per write: the producers' puts, then the
  // claim and status batches. One txn per claim and per status would make
  // it 3 per task (4 with the running status).
  const double writes_per_task =
      static_cast<double>(Revision(etcd->endpoints()) - first_revision) /
      kTasks;
  EXPECT_LT(writes_per_task, 3.0);
  auto counts = game_->counts();
  EXPECT_EQ(counts.size(), static_cast<size_t>(kTasks));
  for (int i = 0; i < kTasks; ++i) {
    ASSERT_EQ(counts[TaskId(i)], 1) << TaskId(i);
  }
  // Either instance answers for every task, whichever dispatched it.
  for (int i = 0; i < kTasks; i += 10) {
    ASSERT_EQ(TaskState(a, TaskId(i)), "succeeded") << TaskId(i);
    ASSERT_EQ(TaskState(b, TaskId(i)), "succeeded") << TaskId(i);
  }
  // Either instance lists all of them (once its watch has caught up with
  // the last status writes, hence the wait).
  for (const Instance* in : {&a, &b}) {
    size_t listed = 0;
    EXPECT_TRUE(WaitFor(
        [&] {
          auto list =
              http_.Get(Url(*in, "/v1/tasks?state=succeeded&limit=10000"));
          if (!list.ok()) return false;
          json tasks =
              json::parse(list->body, nullptr, false).value("tasks", json());
          listed = tasks.is_array() ? tasks.size() : 0;
          return listed == static_cast<size_t>(kTasks);
        },
        5s))
        << listed;
  }
  // Every task was won by exactly one claim; /metrics says who won what.
  const std::string won = R"(scheduler_etcd_claims_total{result="won"})";
  const std::string lost = R"(scheduler_etcd_claims_total{result="lost"})";
  double won_a = Metric(a, won), won_b = Metric(b, won);
  double lost_a = Metric(a, lost), lost_b = Metric(b, lost);
  EXPECT_EQ(won_a + won_b, kTasks) << won_a << " + " << won_b;
  EXPECT_GE(Metric(a, "scheduler_etcd_relists_total"), 1);
  // Both dispatch a share (rendezvous hashing splits the tasks about
  // evenly), and they do not race for the same tasks: before the split,
  // 1,000 tasks cost some 850 lost claims. On a loaded CI machine the
  // start-up race (before each instance sees the other's key) has cost
  // up to 335, so the bound sits between that and the old figure.
  EXPECT_GE(won_a, kTasks / 4);
  EXPECT_GE(won_b, kTasks / 4);
  EXPECT_LT(lost_a + lost_b, kTasks / 2);
  const std::string claim_txns = R"(scheduler_etcd_txns_total{kind="claim"})";
  const std::string status_ops = R"(scheduler_etcd_ops_total{kind="status"})";
  std::printf(
      "instance a claimed %.0f tasks, b %.0f; claims lost: %.0f, %.0f; claim "
      "txns %.0f, %.0f; status puts and deletes %.0f, %.0f; etcd writes per "
      "task %.2f\n",
      won_a, won_b, lost_a, lost_b, Metric(a, claim_txns),
      Metric(b, claim_txns), Metric(a, status_ops), Metric(b, status_ops),
      writes_per_task);
}

class SlowGameEtcdModeTest : public EtcdModeTest {
 protected:
  std::chrono::milliseconds GameDelay() const override { return 500ms; }
};

TEST_F(SlowGameEtcdModeTest, AnyInstanceAnswersForATaskAnotherHolds) {
  auto etcd = StartEtcd(1);
  ASSERT_TRUE(etcd);
  const std::string prefix = "/it/across/";
  Instance a = StartHealthy(etcd->endpoints(), prefix);
  Instance b = StartHealthy(etcd->endpoints(), prefix);
  ASSERT_TRUE(a.healthy && b.healthy) << ReadFile(a.log) << ReadFile(b.log);
  const std::string body = R"({"id":"shared","zone_id":"cn-1"})";
  auto created = http_.Post(Url(a, "/v1/tasks"), body, "application/json");
  ASSERT_TRUE(created.ok());
  ASSERT_EQ(created->status, 201) << created->body;

  // The same id through the other instance: the existing task, not a new
  // one and not an error (the idempotency key holds across instances).
  auto again = http_.Post(Url(b, "/v1/tasks"), body, "application/json");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->status, 200) << again->body;
  json existing = json::parse(again->body, nullptr, false);
  EXPECT_EQ(existing.value("id", ""), "shared");
  EXPECT_NE(existing.value("state", ""), "");

  // While a holds it (the game server takes 500 ms), b reads it from etcd
  // and refuses to cancel what it does not hold.
  std::string state = TaskState(b, "shared");
  EXPECT_TRUE(state == "queued" || state == "running") << state;
  auto cancel = Delete(Url(b, "/v1/tasks/shared"));
  ASSERT_TRUE(cancel.ok());
  EXPECT_EQ(cancel->status, 409) << cancel->body;
  EXPECT_NE(cancel->body.find("another scheduler instance"), std::string::npos)
      << cancel->body;

  EXPECT_TRUE(
      WaitFor([&] { return TaskState(b, "shared") == "succeeded"; }, 10s));
  EXPECT_EQ(TaskState(a, "shared"), "succeeded");
  auto late = Delete(Url(b, "/v1/tasks/shared"));
  ASSERT_TRUE(late.ok());
  EXPECT_EQ(late->status, 409) << late->body;
  // b lists it too, though a holds it.
  EXPECT_TRUE(WaitFor(
      [&] {
        auto listed = http_.Get(Url(b, "/v1/tasks?state=succeeded"));
        return listed.ok() &&
               listed->body.find(R"("id":"shared")") != std::string::npos;
      },
      5s));
  auto missing = http_.Get(Url(b, "/v1/tasks/nobody-wrote-this"));
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(game_->counts()["shared"], 1);
  EXPECT_EQ(Metric(a, R"(scheduler_etcd_claims_total{result="won"})") +
                Metric(b, R"(scheduler_etcd_claims_total{result="won"})"),
            0)
      << "a task created through POST is held from its create on";
}

TEST_F(SlowGameEtcdModeTest, KillNineOfOneInstanceLosesNoTask) {
  auto etcd = StartEtcd(1);
  ASSERT_TRUE(etcd);
  const std::string prefix = "/it/kill/";
  // A shorter lease than the default: takeover within 3 s of the kill.
  Instance a =
      StartHealthy(etcd->endpoints(), prefix, {"--etcd-lease-ttl", "3"});
  Instance b =
      StartHealthy(etcd->endpoints(), prefix, {"--etcd-lease-ttl", "3"});
  ASSERT_TRUE(a.healthy && b.healthy) << ReadFile(a.log) << ReadFile(b.log);
  constexpr int kTasks = 1000;
  PutTasks(etcd->endpoints(), prefix, 0, kTasks);
  ASSERT_TRUE(WaitFor(
      [&] { return CountFinal(etcd->endpoints(), prefix) >= 100; }, 20s));
  int before = CountFinal(etcd->endpoints(), prefix);
  a.process->Signal(SIGKILL);
  a.process->Wait();
  // The lease (3 s) runs out, etcd drops a's claims, b takes them over.
  ASSERT_TRUE(WaitFor(
      [&] { return CountFinal(etcd->endpoints(), prefix) == kTasks; }, 40s))
      << CountFinal(etcd->endpoints(), prefix) << "\n"
      << ReadFile(b.log);
  EXPECT_LT(before, kTasks) << "the kill came after the run";
  auto counts = game_->counts();
  int twice = 0;
  for (int i = 0; i < kTasks; ++i) {
    ASSERT_GE(counts[TaskId(i)], 1) << TaskId(i);
    twice += counts[TaskId(i)] > 1;
  }
  std::printf("killed after %d of %d final; dispatched again: %d\n", before,
              kTasks, twice);
}

TEST_F(EtcdModeTest, CompactionDuringAWatchReListsWithoutLossOrDoubles) {
  auto etcd = StartEtcd(1);
  ASSERT_TRUE(etcd);
  testing::TcpProxy proxy(etcd->client_port(0));
  const std::string prefix = "/it/compact/";
  const std::string via_proxy =
      "http://127.0.0.1:" + std::to_string(proxy.port());
  Instance s = StartHealthy(via_proxy, prefix);
  ASSERT_TRUE(s.healthy) << ReadFile(s.log);
  PutTasks(etcd->endpoints(), prefix, 0, 50);
  ASSERT_TRUE(WaitFor(
      [&] { return CountFinal(etcd->endpoints(), prefix) == 50; }, 20s));

  // The scheduler loses etcd; meanwhile tasks arrive and history is
  // compacted past the revision its watch will resume from.
  proxy.Cut();
  EXPECT_TRUE(WaitFor([&] { return HealthStatus(s) == 503; }, 10s));
  PutTasks(etcd->endpoints(), prefix, 50, 150);
  auto parsed = etcd::ParseEndpoints(etcd->endpoints());
  EtcdClient client(*parsed);
  auto range = client.RangePrefix(prefix);
  ASSERT_TRUE(range.ok());
  ASSERT_TRUE(client.Compact(range->revision).ok());
  proxy.Restore();

  EXPECT_TRUE(WaitFor([&] { return HealthStatus(s) == 200; }, 15s));
  ASSERT_TRUE(WaitFor(
      [&] { return CountFinal(etcd->endpoints(), prefix) == 150; }, 20s))
      << ReadFile(s.log);
  EXPECT_NE(ReadFile(s.log).find("re-listing"), std::string::npos)
      << ReadFile(s.log);
  auto counts = game_->counts();
  for (int i = 0; i < 150; ++i) ASSERT_EQ(counts[TaskId(i)], 1) << TaskId(i);
}

TEST_F(EtcdModeTest, EtcdRestartedUnderARunningScheduler) {
  auto etcd = StartEtcd(1);
  ASSERT_TRUE(etcd);
  const std::string prefix = "/it/restart/";
  Instance s = StartHealthy(etcd->endpoints(), prefix);
  ASSERT_TRUE(s.healthy) << ReadFile(s.log);
  PutTasks(etcd->endpoints(), prefix, 0, 100);
  ASSERT_TRUE(WaitFor(
      [&] { return CountFinal(etcd->endpoints(), prefix) == 100; }, 20s));

  etcd->Kill(0);
  EXPECT_TRUE(WaitFor([&] { return HealthStatus(s) == 503; }, 10s));
  // A submission while etcd is down is refused, not acknowledged.
  auto refused =
      http_.Post("http://127.0.0.1:" + std::to_string(s.port) + "/v1/tasks",
                 R"({"id":"while-down","zone_id":"cn-1"})", "application/json");
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->status, 503);
  std::this_thread::sleep_for(1s);
  etcd->Restart(0);
  ASSERT_TRUE(etcd->WaitHealthy(15s));
  EXPECT_TRUE(WaitFor([&] { return HealthStatus(s) == 200; }, 15s))
      << ReadFile(s.log);
  PutTasks(etcd->endpoints(), prefix, 100, 200);
  ASSERT_TRUE(WaitFor(
      [&] { return CountFinal(etcd->endpoints(), prefix) == 200; }, 20s))
      << ReadFile(s.log);
  auto counts = game_->counts();
  for (int i = 0; i < 200; ++i) ASSERT_EQ(counts[TaskId(i)], 1) << TaskId(i);
  EXPECT_TRUE(s.process->Running());
}

TEST_F(EtcdModeTest, ThreeMemberClusterLosesAMemberMidRun) {
  auto etcd = StartEtcd(3);
  ASSERT_TRUE(etcd);
  const std::string prefix = "/it/cluster/";
  Instance s = StartHealthy(etcd->endpoints(), prefix);
  ASSERT_TRUE(s.healthy) << ReadFile(s.log);
  PutTasks(etcd->endpoints(), prefix, 0, 300);
  // The scheduler talks to the first member; take that one away.
  etcd->Kill(0);
  std::string rest = etcd->url(1) + "," + etcd->url(2);
  PutTasks(rest, prefix, 300, 600);
  ASSERT_TRUE(WaitFor([&] { return CountFinal(rest, prefix) == 600; }, 40s))
      << CountFinal(rest, prefix) << "\n"
      << ReadFile(s.log);
  auto counts = game_->counts();
  for (int i = 0; i < 600; ++i) ASSERT_GE(counts[TaskId(i)], 1) << TaskId(i);
  int twice = 0;
  for (int i = 0; i < 600; ++i) twice += counts[TaskId(i)] > 1;
  EXPECT_EQ(twice, 0);
}

}  // namespace
}  // namespace staticship::scheduler

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: etcd_integration_test <scheduler> [etcd] [etcdctl]\n");
    return 2;
  }
  staticship::scheduler::g_scheduler = argv[1];
  if (argc > 2) staticship::scheduler::g_etcd = argv[2];
  if (argc > 3) staticship::scheduler::g_etcdctl = argv[3];
  ::signal(SIGPIPE, SIG_IGN);
  return RUN_ALL_TESTS();
}
