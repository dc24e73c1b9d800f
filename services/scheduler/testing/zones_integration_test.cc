// Zones changed live and game-server ejection, against a real etcd on
// loopback and game_server_standin processes: a scheduler started with
// --zones-from-etcd and no zones file learns a zone from `etcdctl put`,
// follows a live change of its endpoints, shrugs off a bad value, ejects a
// stand-in that was killed while its tasks go to the other one, and re-lists
// what a compaction hid; in file mode it re-reads --zones on SIGHUP.
//
//   zones_integration_test <scheduler> <game_server_standin> [etcd] [etcdctl]
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/base/file.h"
#include "common/http/client.h"
#include "common/testing/child_process.h"
#include "common/testing/temp_dir.h"
#include "common/testing/wait.h"
#include "services/scheduler/etcd_client.h"
#include "services/scheduler/testing/etcd_cluster.h"
#include "services/scheduler/testing/etcd_tcp_proxy.h"
#include "services/scheduler/testing/port_file.h"

namespace staticship::scheduler {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using staticship::testing::ChildProcess;
using staticship::testing::TempDir;

std::string g_scheduler;
std::string g_standin;
std::string g_etcd = "etcd";
std::string g_etcdctl = "etcdctl";

constexpr char kPrefix[] = "/it/zones/";

using staticship::testing::WaitFor;

class ZonesTest : public ::testing::Test {
 protected:
  struct Standin {
    std::unique_ptr<ChildProcess> process;
    int port = 0;
    std::string address() const { return "127.0.0.1:" + std::to_string(port); }
  };

  Standin StartStandin() {
    Standin s;
    std::string port_file =
        dir_.path() + "/standin" + std::to_string(++children_) + ".port";
    s.process = std::make_unique<ChildProcess>(
        std::vector<std::string>{g_standin, "--port-file", port_file,
                                 "--record"},
        dir_.path() + "/standin.log");
    s.port = static_cast<int>(testing::ReadPort(port_file));
    return s;
  }

  // The scheduler in etcd mode with zones from etcd only.
  bool StartScheduler(const std::string& endpoints) {
    return StartScheduler(std::vector<std::string>{
        "--etcd", endpoints, "--etcd-prefix", kPrefix, "--zones-from-etcd"});
  }
  bool StartScheduler(const std::vector<std::string>& mode_args) {
    std::string port_file = dir_.path() + "/scheduler.port";
    log_ = dir_.path() + "/scheduler.log";
    std::vector<std::string> args{g_scheduler, "--listen", "127.0.0.1:0",
                                  "--port-file", port_file, "--workers", "8",
                                  "--eject-after-failures", "2",
                                  // Long enough to outlast the test.
                                  "--eject-base-ms", "120000"};
    args.insert(args.end(), mode_args.begin(), mode_args.end());
    scheduler_ = std::make_unique<ChildProcess>(args, log_);
    port_ = static_cast<int>(testing::ReadPort(port_file));
    return port_ > 0 && WaitFor(
                            [&] {
                              auto r = http_.Get(Url("/health"));
                              return r.ok() && r->status == 200;
                            },
                            10s);
  }

  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

  int PutWithEtcdctl(const std::string& key, const std::string& value) {
    ChildProcess p({g_etcdctl, "--endpoints", etcd_->url(0), "put", key, value},
                   dir_.path() + "/etcdctl.log");
    return p.Wait();
  }
  int PutZone(const std::string& zone, const std::string& value) {
    return PutWithEtcdctl(std::string(kPrefix) + "zones/" + zone, value);
  }
  int DeleteZone(const std::string& zone) {
    ChildProcess p({g_etcdctl, "--endpoints", etcd_->url(0), "del",
                    std::string(kPrefix) + "zones/" + zone},
                   dir_.path() + "/etcdctl.log");
    return p.Wait();
  }

  int Submit(const std::string& id) {
    auto r = http_.Post(Url("/v1/tasks"),
                        json({{"id", id}, {"zone_id", "cn-1"}}).dump(),
                        "application/json");
    return r.ok() ? r->status : -1;
  }

  json Task(const std::string& id) {
    auto r = http_.Get(Url("/v1/tasks/" + id));
    if (!r.ok() || r->status != 200) return json::object();
    return json::parse(r->body, nullptr, false);
  }
  bool Succeeds(const std::string& id) {
    return WaitFor([&] { return Task(id).value("state", "") == "succeeded"; },
                   15s);
  }

  // The value of one sample in /metrics, -1 when absent.
  double Metric(const std::string& sample) {
    auto r = http_.Get(Url("/metrics"));
    if (!r.ok() || r->status != 200) return -1;
    std::istringstream lines(r->body);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind(sample + " ", 0) == 0) {
        return std::stod(line.substr(sample.size() + 1));
      }
    }
    return -1;
  }
  static std::string Ejected(const Standin& s) {
    return "scheduler_game_server_ejected{zone=\"cn-1\",server=\"" +
           s.address() + "\"}";
  }

  // Task ids the stand-in received, each with the path it was sent to.
  std::multiset<std::string> Received(const Standin& s) {
    std::multiset<std::string> out;
    auto r = http_.Get("http://" + s.address() + "/requests");
    if (!r.ok() || r->status != 200) {
      ADD_FAILURE() << s.address()
                    << " /requests: " << (r.ok() ? r->body : r.message());
      return out;
    }
    json body = json::parse(r->body, nullptr, false);
    for (const json& req : body.value("requests", json::array())) {
      out.insert(req.value("task", "") + " " + req.value("path", ""));
    }
    return out;
  }

  std::string Log() const {
    auto text = ReadWholeFile(log_);
    return text.ok() ? *text : text.message();
  }

  TempDir dir_;
  std::unique_ptr<testing::EtcdCluster> etcd_;
  std::unique_ptr<ChildProcess> scheduler_;
  std::string log_;
  int port_ = 0;
  int children_ = 0;
  http::Client http_;
};

TEST_F(ZonesTest, ZonesFromEtcdAreFollowedLiveAndAFailingServerEjected) {
  etcd_ = std::make_unique<testing::EtcdCluster>(dir_.path(), 1, g_etcd);
  etcd_->Start();
  ASSERT_TRUE(etcd_->WaitHealthy(15s));
  Standin a = StartStandin();
  Standin b = StartStandin();
  ASSERT_GT(a.port, 0);
  ASSERT_GT(b.port, 0);
  ASSERT_TRUE(StartScheduler(etcd_->endpoints())) << Log();

  // No zones file and nothing in etcd yet: the zone is unknown.
  EXPECT_EQ(Submit("before"), 400);
  EXPECT_EQ(Metric("scheduler_zones_from_etcd"), 0) << Log();

  ASSERT_EQ(PutZone("cn-1",
                    R"({"endpoints":[")" + a.address() + R"("],"path":"/go"})"),
            0);
  ASSERT_TRUE(WaitFor([&] { return Metric("scheduler_zones") == 1; }, 5s))
      << Log();
  EXPECT_EQ(Metric("scheduler_zones_from_etcd"), 1);
  ASSERT_EQ(Submit("t1"), 201);
  ASSERT_TRUE(Succeeds("t1")) << Task("t1").dump() << Log();
  EXPECT_EQ(Received(a).count("t1 /go"), 1u);

  // A bad value is one log line and changes nothing.
  ASSERT_EQ(PutZone("cn-1", R"({"endpoints":[")" + b.address() +
                                R"("],"max_in_flight":-1})"),
            0);
  ASSERT_TRUE(WaitFor(
      [&] { return Metric("scheduler_zone_values_refused_total") == 1; }, 5s))
      << Log();
  EXPECT_NE(Log().find("zone key '" + std::string(kPrefix) +
                       "zones/cn-1' refused: 'max_in_flight'"),
            std::string::npos)
      << Log();
  ASSERT_EQ(Submit("t2"), 201);
  ASSERT_TRUE(Succeeds("t2"));
  EXPECT_EQ(Received(a).count("t2 /go"), 1u);

  // Moved to the second stand-in, live: the next tasks go there only.
  ASSERT_EQ(PutZone("cn-1", R"({"endpoints":[")" + b.address() + R"("]})"), 0);
  ASSERT_TRUE(WaitFor([&] { return Metric(Ejected(b)) == 0; }, 5s)) << Log();
  for (const char* id : {"t3", "t4", "t5"}) ASSERT_EQ(Submit(id), 201);
  for (const char* id : {"t3", "t4", "t5"}) {
    ASSERT_TRUE(Succeeds(id)) << id;
    EXPECT_EQ(Received(b).count(std::string(id) + " /dispatch"), 1u) << id;
  }
  EXPECT_EQ(Received(a).size(), 2u);

  // Both, then one is killed: it is ejected and the tasks go to the other.
  ASSERT_EQ(PutZone("cn-1", R"({"endpoints":[")" + a.address() + R"(",")" +
                                b.address() + R"("]})"),
            0);
  ASSERT_TRUE(WaitFor([&] { return Metric(Ejected(a)) == 0; }, 5s)) << Log();
  a.process.reset();  // SIGKILL
  std::vector<std::string> ids;
  for (int i = 0; i < 10; ++i) {
    ids.push_back("k" + std::to_string(i));
    ASSERT_EQ(Submit(ids.back()), 201);
  }
  ASSERT_TRUE(WaitFor([&] { return Metric(Ejected(a)) == 1; }, 15s)) << Log();
  EXPECT_EQ(Metric("scheduler_game_server_ejections_total{zone=\"cn-1\","
                   "server=\"" +
                   a.address() + "\"}"),
            1);
  EXPECT_EQ(Metric(Ejected(b)), 0);
  EXPECT_NE(Log().find("game server " + a.address() + " of zone cn-1 ejected"),
            std::string::npos)
      << Log();
  for (const std::string& id : ids) ASSERT_TRUE(Succeeds(id)) << id;
  // Once ejected, no task is even tried on it: each succeeds at once on b.
  for (int i = 0; i < 10; ++i) {
    std::string id = "after" + std::to_string(i);
    ASSERT_EQ(Submit(id), 201);
    ASSERT_TRUE(Succeeds(id)) << id;
    EXPECT_EQ(Task(id).value("attempts", 0), 1) << Task(id).dump();
    EXPECT_EQ(Received(b).count(id + " /dispatch"), 1u) << id;
  }
}

TEST_F(ZonesTest, ZoneChangesMissedDuringACompactionAreReListed) {
  etcd_ = std::make_unique<testing::EtcdCluster>(dir_.path(), 1, g_etcd);
  etcd_->Start();
  ASSERT_TRUE(etcd_->WaitHealthy(15s));
  testing::TcpProxy proxy(etcd_->client_port(0));
  Standin a = StartStandin();
  Standin b = StartStandin();
  ASSERT_TRUE(
      StartScheduler("http://127.0.0.1:" + std::to_string(proxy.port())))
      << Log();
  ASSERT_EQ(PutZone("cn-1", R"({"endpoints":[")" + a.address() + R"("]})"), 0);
  ASSERT_EQ(PutZone("eu-1", R"({"endpoints":[")" + a.address() + R"("]})"), 0);
  ASSERT_TRUE(WaitFor([&] { return Metric("scheduler_zones") == 2; }, 5s))
      << Log();
  EXPECT_EQ(Metric("scheduler_zone_relists_total"), 1);

  // Cut off while cn-1 moves, eu-1 goes and us-1 comes, and the history of
  // those changes is compacted away: only a fresh list can tell.
  proxy.Cut();
  ASSERT_EQ(PutZone("cn-1", R"({"endpoints":[")" + b.address() + R"("]})"), 0);
  ASSERT_EQ(DeleteZone("eu-1"), 0);
  ASSERT_EQ(PutZone("us-1", R"({"endpoints":[")" + b.address() + R"("]})"), 0);
  auto endpoints = etcd::ParseEndpoints(etcd_->endpoints());
  ASSERT_TRUE(endpoints.ok());
  etcd::EtcdClient client(*endpoints);
  auto range = client.RangePrefix(kPrefix);
  ASSERT_TRUE(range.ok()) << range.message();
  ASSERT_TRUE(client.Compact(range->revision).ok());
  proxy.Restore();

  ASSERT_TRUE(
      WaitFor([&] { return Metric("scheduler_zone_relists_total") >= 2; }, 15s))
      << Log();
  ASSERT_TRUE(WaitFor([&] { return Metric(Ejected(b)) == 0; }, 5s)) << Log();
  EXPECT_EQ(Metric("scheduler_zones"), 2);
  EXPECT_EQ(Metric("scheduler_game_server_ejected{zone=\"eu-1\",server=\"" +
                   a.address() + "\"}"),
            -1);
  EXPECT_EQ(Metric("scheduler_game_server_ejected{zone=\"us-1\",server=\"" +
                   b.address() + "\"}"),
            0);
  EXPECT_NE(Log().find("re-listing " + std::string(kPrefix) + "zones/"),
            std::string::npos)
      << Log();
  ASSERT_EQ(Submit("after-relist"), 201);
  ASSERT_TRUE(Succeeds("after-relist")) << Log();
  EXPECT_EQ(Received(b).count("after-relist /dispatch"), 1u);
}

TEST_F(ZonesTest, FileModeReReadsTheZonesFileOnSighup) {
  Standin a = StartStandin();
  Standin b = StartStandin();
  const std::string zones = dir_.path() + "/zones.yaml";
  auto write_zones = [&](const std::string& text) {
    ASSERT_TRUE(WriteFileAtomically(zones, text).ok());
  };
  write_zones("zones:\n  cn-1: { endpoints: [" + a.address() + "] }\n");
  ASSERT_TRUE(StartScheduler(std::vector<std::string>{
      "--data-dir", dir_.path() + "/data", "--zones", zones}))
      << Log();
  ASSERT_EQ(Submit("f1"), 201);
  ASSERT_TRUE(Succeeds("f1")) << Log();
  EXPECT_EQ(Received(a).count("f1 /dispatch"), 1u);

  write_zones("zones:\n  cn-1: { endpoints: [" + b.address() +
              "], path: /go }\n");
  scheduler_->Signal(SIGHUP);
  ASSERT_TRUE(WaitFor([&] { return Metric(Ejected(b)) == 0; }, 5s)) << Log();
  ASSERT_EQ(Submit("f2"), 201);
  ASSERT_TRUE(Succeeds("f2"));
  EXPECT_EQ(Received(b).count("f2 /go"), 1u);

  // A broken file is one log line; the zones in force stay.
  write_zones("zones:\n  cn-1: { endpoints: [] }\n");
  scheduler_->Signal(SIGHUP);
  ASSERT_TRUE(WaitFor(
      [&] {
        return Log().find("SIGHUP: zones file not applied") !=
               std::string::npos;
      },
      5s))
      << Log();
  ASSERT_EQ(Submit("f3"), 201);
  ASSERT_TRUE(Succeeds("f3"));
  EXPECT_EQ(Received(b).count("f3 /go"), 1u);
  EXPECT_EQ(Received(a).size(), 1u);
}

}  // namespace
}  // namespace staticship::scheduler

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: zones_integration_test <scheduler> "
                 "<game_server_standin> [etcd] [etcdctl]\n");
    return 2;
  }
  staticship::scheduler::g_scheduler = argv[1];
  staticship::scheduler::g_standin = argv[2];
  if (argc > 3) staticship::scheduler::g_etcd = argv[3];
  if (argc > 4) staticship::scheduler::g_etcdctl = argv[4];
  ::signal(SIGPIPE, SIG_IGN);
  return RUN_ALL_TESTS();
}
