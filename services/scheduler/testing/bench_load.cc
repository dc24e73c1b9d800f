// Load generator for ci/bench-scheduler. It is both the producer and the
// game server, so submit and dispatch times come from one steady clock.
//
//   bench_load --game-port-file F --scheduler-port-file S --tasks N
//              --producers C --rate R --rate-seconds T
//              [--scheduler-pid-file P]
//
// Phase 1 (throughput): C producers post N tasks as fast as the scheduler
// acknowledges them. Phase 2 (latency): tasks at R per second for T seconds,
// far below saturation; reports p50/p99 from submit to dispatch arrival.
// The load generator shares the cores with the scheduler, so tasks/s alone
// says little: with --scheduler-pid-file it also reports the scheduler's CPU
// time (user + system, from /proc) per 1,000 tasks in each phase, and its own.
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/base/file.h"
#include "common/base/flags.h"
#include "common/http/client.h"
#include "common/http/server.h"
#include "services/scheduler/testing/port_file.h"

namespace {

using staticship::scheduler::testing::ReadPort;

using Clock = std::chrono::steady_clock;

struct Args {
  std::string game_port_file, scheduler_port_file, scheduler_pid_file;
  long tasks = 100000;
  int producers = 64;
  int rate = 2000;
  int rate_seconds = 5;
};

class Recorder {
 public:
  void Submitted(const std::string& id, Clock::time_point t) {
    std::lock_guard<std::mutex> lock(mu_);
    submit_[id] = t;
  }
  void Dispatched(const std::string& id, Clock::time_point t) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!dispatch_.emplace(id, t).second) ++duplicates_;
    last_dispatch_ = t;
    if (dispatch_.size() == 1) first_dispatch_ = t;
  }
  size_t dispatched() {
    std::lock_guard<std::mutex> lock(mu_);
    return dispatch_.size();
  }
  // Latencies (ms) of ids starting with `prefix`.
  std::vector<double> Latencies(const std::string& prefix) {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<double> out;
    for (auto& [id, t] : submit_) {
      if (id.rfind(prefix, 0) != 0) continue;
      auto d = dispatch_.find(id);
      if (d == dispatch_.end()) continue;
      out.push_back(
          std::chrono::duration<double, std::milli>(d->second - t).count());
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  Clock::time_point first_dispatch_, last_dispatch_;
  long duplicates_ = 0;

 private:
  std::mutex mu_;
  std::unordered_map<std::string, Clock::time_point> submit_, dispatch_;
};

// CPU seconds (user + system) used so far by process `pid`; -1 if unknown.
double ProcessCpuSeconds(long pid) {
  if (pid <= 0) return -1;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return -1;
  // Fields after the parenthesised command name; utime and stime are the
  // 14th and 15th fields overall.
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  std::string rest = stat.substr(close + 2);
  std::vector<std::string> fields;
  size_t pos = 0;
  while (pos < rest.size()) {
    size_t sp = rest.find(' ', pos);
    fields.push_back(rest.substr(pos, sp - pos));
    if (sp == std::string::npos) break;
    pos = sp + 1;
  }
  if (fields.size() < 13) return -1;
  double ticks = std::atof(fields[11].c_str()) + std::atof(fields[12].c_str());
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double SelfCpuSeconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  auto sec = [](const timeval& tv) { return tv.tv_sec + tv.tv_usec / 1e6; };
  return sec(ru.ru_utime) + sec(ru.ru_stime);
}

// Milliseconds of CPU per 1,000 tasks; -1 when not measured.
double PerThousand(double cpu_seconds, double tasks) {
  if (cpu_seconds < 0 || tasks <= 0) return -1;
  return cpu_seconds * 1000.0 / tasks * 1000.0;
}

double Pct(const std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  auto flags = staticship::Flags::Parse(
      staticship::ArgsFromArgv({argv + 1, argv + argc}),
      {.values = {"game-port-file", "scheduler-port-file", "scheduler-pid-file",
                  "tasks", "producers", "rate", "rate-seconds"}});
  if (!flags.ok()) {
    std::fprintf(stderr, "bench_load: %s\n", flags.message().c_str());
    return 2;
  }
  a.game_port_file = flags->GetOr("game-port-file", a.game_port_file);
  a.scheduler_port_file =
      flags->GetOr("scheduler-port-file", a.scheduler_port_file);
  a.scheduler_pid_file =
      flags->GetOr("scheduler-pid-file", a.scheduler_pid_file);
  if (auto v = flags->Get("tasks")) a.tasks = std::atol(v->c_str());
  if (auto v = flags->Get("producers")) a.producers = std::atoi(v->c_str());
  if (auto v = flags->Get("rate")) a.rate = std::atoi(v->c_str());
  if (auto v = flags->Get("rate-seconds"))
    a.rate_seconds = std::atoi(v->c_str());
  ::signal(SIGPIPE, SIG_IGN);
  Recorder rec;
  staticship::http::ServerOptions so;
  so.workers = 1;
  auto server = staticship::http::Server::Create(
      so, [&rec](staticship::http::Request req, staticship::http::Responder r) {
        auto now = Clock::now();
        if (const std::string* id = req.headers.Get("X-Task-Id")) {
          rec.Dispatched(*id, now);
        }
        r.Send(staticship::http::Response(200, "{}"));
      });
  if (!server.ok() || !(*server)->Start().ok()) return 1;
  if (staticship::Status written = staticship::WriteFileAtomically(
          a.game_port_file, std::to_string((*server)->port()) + "\n");
      !written.ok()) {
    std::fprintf(stderr, "bench_load: %s\n", written.message().c_str());
    return 1;
  }
  int sport = static_cast<int>(ReadPort(a.scheduler_port_file));
  if (sport == 0) return 1;
  std::string url = "http://127.0.0.1:" + std::to_string(sport) + "/v1/tasks";
  long spid = a.scheduler_pid_file.empty() ? 0 : ReadPort(a.scheduler_pid_file);

  // Phase 1: throughput.
  std::atomic<long> next{0}, accepted{0}, errors{0};
  double sched_cpu0 = ProcessCpuSeconds(spid), self_cpu0 = SelfCpuSeconds();
  auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (int p = 0; p < a.producers; ++p) {
    threads.emplace_back([&] {
      staticship::http::Client client;
      for (long i; (i = next++) < a.tasks;) {
        std::string id = "tp-" + std::to_string(i);
        std::string body =
            "{\"id\":\"" + id +
            "\",\"zone_id\":\"bench\",\"priority\":" + std::to_string(i % 10) +
            ",\"payload\":{\"n\":" + std::to_string(i) + "}}";
        rec.Submitted(id, Clock::now());
        auto resp = client.Post(url, body, "application/json");
        if (resp.ok() && resp->status == 201)
          ++accepted;
        else
          ++errors;
      }
    });
  }
  for (auto& t : threads) t.join();
  auto t1 = Clock::now();
  for (int i = 0; i < 3000 && rec.dispatched() < static_cast<size_t>(accepted);
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  double accept_s = std::chrono::duration<double>(t1 - t0).count();
  double dispatch_s =
      std::chrono::duration<double>(rec.last_dispatch_ - t0).count();
  auto sat = rec.Latencies("tp-");
  // Phase 1 CPU: from the first submit until every task was dispatched
  // (or the wait above gave up), so dispatch work is included.
  double sched_cpu1 = ProcessCpuSeconds(spid), self_cpu1 = SelfCpuSeconds();

  // Phase 2: latency below saturation, paced producers.
  threads.clear();
  long total = static_cast<long>(a.rate) * a.rate_seconds;
  int pacers = 4;
  std::atomic<long> lat_errors{0};
  auto start = Clock::now();
  for (int p = 0; p < pacers; ++p) {
    threads.emplace_back([&, p] {
      staticship::http::Client client;
      for (long i = p; i < total; i += pacers) {
        auto due = start + std::chrono::microseconds(i * 1000000L / a.rate);
        std::this_thread::sleep_until(due);
        std::string id = "lat-" + std::to_string(i);
        rec.Submitted(id, Clock::now());
        auto resp =
            client.Post(url, "{\"id\":\"" + id + "\",\"zone_id\":\"bench\"}",
                        "application/json");
        if (!resp.ok() || resp->status != 201) ++lat_errors;
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < 500 && rec.Latencies("lat-").size() <
                                 static_cast<size_t>(total - lat_errors);
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  auto lat = rec.Latencies("lat-");
  double sched_cpu2 = ProcessCpuSeconds(spid);
  bool cpu_known = sched_cpu0 >= 0 && sched_cpu1 >= 0 && sched_cpu2 >= 0;
  double sat_cpu = cpu_known ? sched_cpu1 - sched_cpu0 : -1;
  double paced_cpu = cpu_known ? sched_cpu2 - sched_cpu1 : -1;

  std::printf(
      "accepted=%ld errors=%ld accept_seconds=%.3f accepted_per_s=%.0f "
      "dispatched=%zu dispatched_per_s=%.0f duplicates=%ld "
      "saturated_p50_ms=%.2f saturated_p99_ms=%.2f "
      "paced_rate=%d paced_n=%zu paced_errors=%ld paced_p50_ms=%.3f "
      "paced_p99_ms=%.3f paced_max_ms=%.3f "
      "sched_cpu_s=%.2f sched_cpu_ms_per_1k=%.1f "
      "paced_sched_cpu_ms_per_1k=%.1f "
      "load_cpu_ms_per_1k=%.1f\n",
      accepted.load(), errors.load(), accept_s, accepted / accept_s, sat.size(),
      sat.size() / dispatch_s, rec.duplicates_, Pct(sat, 0.5), Pct(sat, 0.99),
      a.rate, lat.size(), lat_errors.load(), Pct(lat, 0.5), Pct(lat, 0.99),
      lat.empty() ? 0 : lat.back(), sat_cpu,
      PerThousand(sat_cpu, static_cast<double>(accepted)),
      PerThousand(paced_cpu, static_cast<double>(lat.size())),
      PerThousand(self_cpu1 - self_cpu0, static_cast<double>(accepted)));
  (*server)->Stop();
  return 0;
}
