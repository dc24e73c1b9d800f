// Load generator for ci/bench-etcd: the producer and the game server in one
// process, so that submit and dispatch times come from one steady clock.
//
//   etcd_bench --game-port-file F --scheduler-port-files S1[,S2] --tasks N
//              --producers C --submit etcd|http [--etcd URL --prefix P]
//              [--claims K] [--preload-done-file F] [--game-delay-ms D]
//
// Submits N tasks (straight into etcd as a producer would, or by POST
// /v1/tasks spread over the schedulers), waits until every task reached the
// game server and prints one line: tasks/s from the first submit to the
// last arrival, submit->dispatch p50/p99, duplicates. With --etcd and
// --claims it then measures the claim transaction itself (the
// create_revision == 0 compare-and-swap bound to a lease): K sequential
// claims for latency, K more from 8 threads for throughput.
//
// With --preload-done-file (and --submit etcd) it puts every task before
// any scheduler starts, writes F, and measures how fast the schedulers
// drain that backlog: tasks/s from the first arrival to the last.
//
// With --game-delay-ms the game server answers each task D ms after it
// arrived, as one that sets a match up before it accepts the next: then a
// scheduler instance dispatches at most (its workers) / D tasks a second,
// and what a second instance adds is dispatch capacity, not etcd's.
//
// With --etcd it also prints etcd_writes_per_task: etcd's revision grows by
// one per write (a put, or a txn that wrote anything), so the revision delta
// from before the first put to when the last final status has landed,
// divided by the tasks, the producers' puts included.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "common/base/file.h"
#include "common/base/flags.h"
#include "common/http/client.h"
#include "common/http/server.h"
#include "services/scheduler/etcd_client.h"
#include "services/scheduler/etcd_codec.h"
#include "services/scheduler/testing/delayed_sender.h"
#include "services/scheduler/testing/port_file.h"

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;
using staticship::scheduler::etcd::Base64Encode;
using staticship::scheduler::etcd::EtcdClient;
using staticship::scheduler::testing::ReadPort;

struct Args {
  std::string game_port_file;
  std::vector<std::string> scheduler_port_files;
  long tasks = 10000;
  int producers = 32;
  std::string submit = "etcd";
  std::string etcd;
  std::string prefix = "/bench/";
  int claims = 0;
  std::string preload_done_file;
  int game_delay_ms = 0;
};

std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    if (comma > start) out.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

double Ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

void ClaimBench(const Args& args) {
  EtcdClient etcd(Split(args.etcd));
  auto lease = etcd.LeaseGrant(30);
  if (!lease.ok()) {
    std::printf(" claim_error=%s", lease.message().c_str());
    return;
  }
  auto claim = [&](const std::string& id) {
    std::string key = args.prefix + "claimbench/" + id;
    json txn = {
        {"compare",
         {{{"target", "CREATE"},
           {"key", Base64Encode(key)},
           {"create_revision", "0"}}}},
        {"success",
         {{{"request_put",
            {{"key", Base64Encode(key)},
             {"value", Base64Encode("bench")},
             {"lease", std::to_string(*lease)}}}}}},
    };
    auto t0 = Clock::now();
    auto reply = etcd.Call("/v3/kv/txn", txn);
    bool won = reply.ok() && reply->value("succeeded", false);
    return won ? Ms(Clock::now() - t0) : -1.0;
  };
  std::vector<double> sequential;
  for (int i = 0; i < args.claims; ++i) {
    double ms = claim("s" + std::to_string(i));
    if (ms >= 0) sequential.push_back(ms);
  }
  std::atomic<int> next{0};
  std::mutex mu;
  std::vector<double> parallel;
  auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = next++; i < args.claims; i = next++) {
        double ms = claim("p" + std::to_string(i));
        std::lock_guard<std::mutex> lock(mu);
        if (ms >= 0) parallel.push_back(ms);
      }
    });
  }
  for (auto& t : threads) t.join();
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  (void)etcd.LeaseRevoke(*lease);
  std::printf(
      " claim_p50_ms=%.2f claim_p99_ms=%.2f claims_won=%zu"
      " parallel8_claims_per_s=%.0f parallel8_claim_p99_ms=%.2f",
      Percentile(sequential, 0.5), Percentile(sequential, 0.99),
      sequential.size() + parallel.size(), parallel.size() / seconds,
      Percentile(parallel, 0.99));
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  auto flags = staticship::Flags::Parse(
      staticship::ArgsFromArgv({argv + 1, argv + argc}),
      {.values = {"game-port-file", "scheduler-port-files", "tasks",
                  "producers", "submit", "etcd", "prefix", "claims",
                  "preload-done-file", "game-delay-ms"}});
  if (!flags.ok()) {
    std::fprintf(stderr, "etcd_bench: %s\n", flags.message().c_str());
    return 2;
  }
  args.game_port_file = flags->GetOr("game-port-file", args.game_port_file);
  if (auto v = flags->Get("scheduler-port-files")) {
    args.scheduler_port_files = Split(*v);
  }
  if (auto v = flags->Get("tasks")) args.tasks = std::atol(v->c_str());
  if (auto v = flags->Get("producers")) args.producers = std::atoi(v->c_str());
  args.submit = flags->GetOr("submit", args.submit);
  args.etcd = flags->GetOr("etcd", args.etcd);
  args.prefix = flags->GetOr("prefix", args.prefix);
  if (auto v = flags->Get("claims")) args.claims = std::atoi(v->c_str());
  args.preload_done_file =
      flags->GetOr("preload-done-file", args.preload_done_file);
  if (auto v = flags->Get("game-delay-ms")) {
    args.game_delay_ms = std::atoi(v->c_str());
  }
  const bool preload = !args.preload_done_file.empty();
  if (args.tasks <= 0 || args.game_delay_ms < 0 ||
      args.scheduler_port_files.empty() ||
      (args.submit == "etcd" && args.etcd.empty()) ||
      (preload && args.submit != "etcd")) {
    std::fprintf(stderr, "etcd_bench: see the usage at the top of the file\n");
    return 2;
  }

  const size_t n = static_cast<size_t>(args.tasks);
  std::vector<Clock::time_point> acked(n), arrived(n);
  std::vector<std::atomic<int>> hits(n);
  std::atomic<long> arrivals{0};
  staticship::scheduler::testing::DelayedSender delayed;
  const auto game_delay = std::chrono::milliseconds(args.game_delay_ms);
  staticship::http::ServerOptions options;
  options.workers = 2;
  auto game = staticship::http::Server::Create(
      options, [&](staticship::http::Request request,
                   staticship::http::Responder responder) {
        const std::string* id = request.headers.Get("X-Task-Id");
        // Ids are "b<index>".
        size_t index = id != nullptr && id->size() > 1
                           ? std::strtoul(id->c_str() + 1, nullptr, 10)
                           : n;
        if (index < n && hits[index]++ == 0) {
          arrived[index] = Clock::now();
          ++arrivals;
        }
        if (game_delay.count() > 0) {
          delayed.Add(Clock::now() + game_delay, std::move(responder),
                      staticship::http::Response(200, "{}"));
        } else {
          responder.Send(staticship::http::Response(200, "{}"));
        }
      });
  if (!game.ok() || !(*game)->Start().ok()) return 1;
  if (staticship::Status written = staticship::WriteFileAtomically(
          args.game_port_file, std::to_string((*game)->port()) + "\n");
      !written.ok()) {
    std::fprintf(stderr, "etcd_bench: %s\n", written.message().c_str());
    return 1;
  }

  std::vector<std::string> schedulers;
  staticship::http::Client http;
  auto wait_for_schedulers = [&] {
    for (const auto& f : args.scheduler_port_files) {
      int port = static_cast<int>(ReadPort(f));
      if (port == 0) return false;
      std::string base = "http://127.0.0.1:" + std::to_string(port);
      for (int i = 0; i < 500; ++i) {
        auto r = http.Get(base + "/health");
        if (r.ok() && r->status == 200) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      schedulers.push_back(base);
    }
    return true;
  };
  // A preloaded backlog is written before any scheduler runs.
  if (!preload && !wait_for_schedulers()) return 1;

  std::unique_ptr<EtcdClient> etcd;
  if (!args.etcd.empty()) etcd = std::make_unique<EtcdClient>(Split(args.etcd));
  auto revision = [&]() -> int64_t {
    auto range = etcd->RangePrefix(args.prefix + "none/");
    return range.ok() ? range->revision : -1;
  };
  const int64_t first_revision = etcd ? revision() : 0;
  std::atomic<long> next{0}, errors{0};
  auto start = Clock::now();
  std::vector<std::thread> producers;
  for (int p = 0; p < args.producers; ++p) {
    producers.emplace_back([&, p] {
      for (long i = next++; i < args.tasks; i = next++) {
        std::string id = "b" + std::to_string(i);
        std::string body =
            json({{"id", id}, {"zone_id", "bench"}, {"payload", i}}).dump();
        bool ok;
        if (args.submit == "etcd") {
          ok = etcd->Put(args.prefix + "tasks/" + id, body).ok();
        } else {
          auto r = http.Post(schedulers[p % schedulers.size()] + "/v1/tasks",
                             body, "application/json");
          ok = r.ok() && r->status == 201;
        }
        acked[i] = Clock::now();
        if (!ok) ++errors;
      }
    });
  }
  for (auto& t : producers) t.join();
  if (preload) {
    if (staticship::Status written =
            staticship::WriteFileAtomically(args.preload_done_file, "done\n");
        !written.ok()) {
      std::fprintf(stderr, "etcd_bench: %s\n", written.message().c_str());
      return 1;
    }
    if (!wait_for_schedulers()) return 1;
  }
  auto submitted = Clock::now();
  auto deadline = Clock::now() + std::chrono::seconds(300);
  while (arrivals.load() + errors.load() < args.tasks &&
         Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  // The final statuses land after the dispatches: wait until etcd's
  // revision stands still for 500 ms.
  double writes_per_task = -1;
  if (etcd) {
    int64_t seen = revision();
    auto settle = Clock::now() + std::chrono::seconds(10);
    for (int still = 0; still < 5 && Clock::now() < settle;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      int64_t now = revision();
      still = now == seen ? still + 1 : 0;
      seen = now;
    }
    writes_per_task =
        static_cast<double>(seen - first_revision) / static_cast<double>(n);
  }
  auto last = start;
  // A drain is timed from its first dispatch: scheduler start-up is no part
  // of the rate.
  auto first = Clock::time_point::max();
  std::vector<double> latency;
  long duplicates = 0;
  for (size_t i = 0; i < n; ++i) {
    if (hits[i] == 0) continue;
    last = std::max(last, arrived[i]);
    first = std::min(first, arrived[i]);
    latency.push_back(Ms(arrived[i] - acked[i]));
    duplicates += hits[i] - 1;
  }
  auto rate_from = start;
  if (preload && first != Clock::time_point::max()) rate_from = first;
  double seconds = std::chrono::duration<double>(last - rate_from).count();
  std::printf(
      "tasks=%ld submit=%s%s instances=%zu submitted_per_s=%.0f "
      "dispatched_per_s=%.0f p50_ms=%.1f p99_ms=%.1f arrived=%ld errors=%ld "
      "duplicates=%ld",
      args.tasks, args.submit.c_str(), preload ? "(preloaded)" : "",
      schedulers.size(),
      args.tasks / std::chrono::duration<double>(submitted - start).count(),
      arrivals.load() / seconds, Percentile(latency, 0.5),
      Percentile(latency, 0.99), arrivals.load(), errors.load(), duplicates);
  if (etcd) std::printf(" etcd_writes_per_task=%.2f", writes_per_task);
  if (!args.etcd.empty() && args.claims > 0) ClaimBench(args);
  std::printf("\n");
  (*game)->Stop();
  return 0;
}
