// scheduler: accepts tasks over HTTP, keeps them durable in --data-dir and
// dispatches them to the game servers of their zone.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "common/base/backoff.h"
#include "common/base/file.h"
#include "common/base/random_seed.h"
#include "common/diagnostics/admin_server.h"
#include "common/diagnostics/build_info.h"
#include "common/http/server.h"
#include "common/trace/trace_recorder.h"
#include "services/scheduler/api.h"
#include "services/scheduler/clock.h"
#include "services/scheduler/dispatcher.h"
#include "services/scheduler/etcd_client.h"
#include "services/scheduler/etcd_store.h"
#include "services/scheduler/etcd_zone_source.h"
#include "services/scheduler/flags.h"
#include "services/scheduler/game_server_picker.h"
#include "services/scheduler/game_server_transport.h"
#include "services/scheduler/local_store.h"
#include "services/scheduler/retry_policy.h"
#include "services/scheduler/scheduler_core.h"
#include "services/scheduler/scheduler_metrics.h"
#include "services/scheduler/zone_directory.h"
#include "services/scheduler/zone_metrics.h"
#include "services/scheduler/zones_config.h"

namespace staticship::scheduler {
namespace {

constexpr char kVersionNumber[] = "0.1.0";
constexpr char kVersion[] = "scheduler 0.1.0 (staticship)";
// The HTTP layer stops reading a body past this; the API checks its own
// 1 MiB, and Api::RefusedByServer answers both with the same 400.
constexpr size_t kHttpBodyLimit = 8u << 20;

void Log(const std::string& message) {
  std::fprintf(stderr, "scheduler: %s\n", message.c_str());
}

// SIGHUP: the --zones file again. A file that does not load changes nothing.
void ReloadZonesFile(const std::string& path, ZoneDirectory* zones,
                     EtcdZoneSource* etcd_zones) {
  if (path.empty()) {
    Log("SIGHUP ignored: no --zones file to re-read");
    return;
  }
  auto loaded = LoadZonesFile(path);
  if (!loaded.ok()) {
    Log("SIGHUP: zones file not applied, keeping the zones in force: " +
        loaded.message());
    return;
  }
  size_t n = loaded->zones.size();
  if (etcd_zones != nullptr) {
    etcd_zones->SetFileZones(std::move(loaded).value());
  } else {
    zones->Replace(std::move(loaded).value());
  }
  Log("SIGHUP: " + std::to_string(n) + " zones re-read from " + path);
}

int Run(const Flags& flags) {
  ZonesConfig file_zones;
  if (!flags.zones_file.empty()) {
    auto loaded = LoadZonesFile(flags.zones_file);
    if (!loaded.ok()) {
      Log("bad zones file: " + loaded.message());
      return 2;
    }
    file_zones = std::move(loaded).value();
  }
  ZoneDirectory zones(file_zones);

  // Signals are taken by sigtimedwait below, never by a handler, so every
  // thread started from here on inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  std::unique_ptr<TaskStore> store_owner;
  EtcdStore* etcd_store = nullptr;
  std::unique_ptr<EtcdZoneSource> etcd_zones;
  if (flags.etcd_endpoints.empty()) {
    LocalStoreOptions store_options;
    store_options.dir = flags.data_dir;
    store_options.sync = flags.fsync;
    store_options.compact_after_bytes = flags.compact_after_bytes;
    store_options.warn = [](const std::string& w) { Log("warning: " + w); };
    store_owner = std::make_unique<LocalStore>(store_options);
  } else {
    auto endpoints = etcd::ParseEndpoints(flags.etcd_endpoints);
    if (!endpoints.ok()) {
      Log("bad --etcd: " + endpoints.message());
      return 2;
    }
    EtcdStoreOptions etcd_options;
    etcd_options.endpoints = std::move(endpoints).value();
    etcd_options.prefix = flags.etcd_prefix;
    etcd_options.lease_ttl_seconds = flags.etcd_lease_ttl_seconds;
    etcd_options.steal_after =
        std::chrono::milliseconds(flags.etcd_steal_after_ms);
    etcd_options.instance = flags.listen_host + ":" +
                            std::to_string(flags.listen_port) + " pid " +
                            std::to_string(::getpid());
    etcd_options.claim_window = static_cast<size_t>(flags.workers);
    if (flags.zones_from_etcd) {
      // Before the store starts claiming: a task whose zone is not known
      // yet would be failed as invalid.
      EtcdZoneSourceOptions zone_options;
      zone_options.endpoints = etcd_options.endpoints;
      zone_options.prefix = flags.etcd_prefix;
      zone_options.seed = RandomSeed();
      zone_options.log = [](const std::string& m) { Log(m); };
      etcd_zones = std::make_unique<EtcdZoneSource>(std::move(zone_options),
                                                    file_zones, &zones);
      if (Status s = etcd_zones->Start(); !s.ok()) {
        Log("cannot read the zones from etcd: " + s.message());
        return 1;
      }
    }
    etcd_options.zone_known = [&zones](std::string_view zone) {
      return zones.Known(zone);
    };
    etcd_options.log = [](const std::string& m) { Log(m); };
    auto owned = std::make_unique<EtcdStore>(etcd_options);
    etcd_store = owned.get();
    store_owner = std::move(owned);
  }
  TaskStore& store = *store_owner;

  SchedulerMetrics metrics;
  SystemClock clock;
  // Recorded into only while /debug/trace runs; idle, one relaxed load per
  // hook point.
  trace::TraceRecorder trace;
  CoreOptions core_options;
  core_options.workers = flags.workers;
  core_options.zone_cap = [&zones,
                           workers = flags.workers](std::string_view zone) {
    return zones.CapFor(zone, workers);
  };
  core_options.id_rng = SeededRng(RandomSeed());
  core_options.metrics = &metrics;
  core_options.trace = &trace;
  SchedulerCore core(&store, &clock, MakeRetryBackoff(SeededRng(RandomSeed())),
                     core_options);
  if (Status s = core.Recover(); !s.ok()) {
    Log("cannot recover " + flags.data_dir + ": " + s.message());
    return 1;
  }
  if (etcd_store != nullptr) {
    EtcdStore::Hooks hooks;
    hooks.adopt = [&core](Task task) { return core.Adopt(std::move(task)); };
    hooks.backlog = [&core] {
      CoreStats stats = core.Stats();
      size_t n = stats.waiting_backoff;
      for (uint64_t depth : stats.ready_by_priority) n += depth;
      return n;
    };
    hooks.lease_lost = [] {
      // Other instances may already run our tasks; a fresh process starts
      // with no claims (crash-only, like a lost leader election).
      Log("etcd lease lost; exiting so that no task is dispatched twice");
      std::fflush(stderr);
      std::_Exit(3);
    };
    etcd_store->Start(std::move(hooks));
  }

  GameServerPicker picker({.failures_to_eject = flags.eject_after_failures,
                           .base_ms = flags.eject_base_ms,
                           .max_ms = flags.eject_max_ms},
                          [](const std::string& m) { Log(m); });
  Api api(&core, &zones, &store, &metrics, [&zones, &picker, &etcd_zones] {
    std::shared_ptr<const ZonesConfig> now = zones.Snapshot();
    return picker.RenderMetrics(*now, SteadyNowMs()) +
           RenderZoneMetrics(*now, etcd_zones.get());
  });
  http::ServerOptions server_options;
  server_options.host = flags.listen_host;
  server_options.port = flags.listen_port;
  server_options.workers = flags.http_threads;
  server_options.limits.max_body_bytes = kHttpBodyLimit;
  server_options.error_response = &Api::RefusedByServer;
  server_options.trace = &trace;
  auto server = http::Server::Create(
      server_options, [&api](http::Request request, http::Responder responder) {
        api.Handle(std::move(request), std::move(responder));
      });
  if (!server.ok()) {
    Log("cannot listen on " + flags.listen_host + ":" +
        std::to_string(flags.listen_port) + ": " + server.message());
    store.Close();
    return 1;
  }
  // Bound before anything serves, so that a bad address stops the start.
  std::unique_ptr<diagnostics::AdminServer> admin;
  if (flags.admin_listen) {
    diagnostics::AdminOptions options;
    options.host = flags.admin_listen_host;
    options.port = flags.admin_listen_port;
    options.public_port = (*server)->port();
    options.build = diagnostics::DescribeBuild("scheduler", kVersionNumber);
    options.loops = (*server)->loop_lag();
    options.trace = &trace;
    auto created = diagnostics::AdminServer::Create(std::move(options));
    if (!created.ok()) {
      Log("--admin-listen: " + created.message());
      store.Close();
      return 1;
    }
    admin = std::move(*created);
  }
  Status started = (*server)->Start();
  if (started.ok() && admin) started = admin->Start();
  if (!started.ok()) {
    Log("cannot start the server: " + started.message());
    store.Close();
    return 1;
  }
  if (admin) {
    Log("admin listening on " + flags.admin_listen_host + ":" +
        std::to_string(admin->port()) + " (GET /debug/)");
  }
  uint16_t port = (*server)->port();
  if (!flags.port_file.empty()) {
    if (Status s = WriteFileAtomically(
            flags.port_file, std::to_string(port) + "\n", {.durable = true});
        !s.ok()) {
      Log("cannot write the port file: " + s.message());
    }
  }

  HttpTransport transport(flags.workers);
  Dispatcher dispatcher(&core, &zones, &picker, &transport, flags.workers,
                        &trace);
  dispatcher.Start();
  auto capture = [&core] { return core.Capture(); };
  Log("listening on " + flags.listen_host + ":" + std::to_string(port) +
      " with " + std::to_string(flags.workers) + " workers, " +
      std::to_string(zones.Snapshot()->zones.size()) + " zones" +
      (etcd_zones ? " (watching " + flags.etcd_prefix + "zones/)" : "") + ", " +
      (etcd_store != nullptr ? "tasks in etcd " + flags.etcd_endpoints +
                                   " under " + flags.etcd_prefix
                             : "data in " + flags.data_dir) +
      (flags.fsync ? "" : " (fsync off)"));

  // Tried every second: a full disk would otherwise log the same line
  // every second until space frees up.
  std::string compaction_error;
  for (;;) {
    timespec tick{1, 0};
    int sig = sigtimedwait(&signals, nullptr, &tick);
    if (sig == SIGTERM || sig == SIGINT) break;
    if (sig == SIGHUP) {
      ReloadZonesFile(flags.zones_file, &zones, etcd_zones.get());
    }
    if (flags.retain_finished_seconds > 0) {
      core.ForgetFinishedBefore(clock.NowMs() -
                                flags.retain_finished_seconds * 1000);
    }
    Status s = store.Maintain(capture, /*force=*/false);
    if (!s.ok() && s.message() != compaction_error) {
      Log("compaction failed (the log keeps growing): " + s.message());
    } else if (s.ok() && !compaction_error.empty()) {
      Log("compaction works again");
    }
    compaction_error = s.ok() ? "" : s.message();
  }

  Log("stopping: no new tasks, waiting for in-flight dispatches");
  core.StopIntake();
  core.StopDispatch();
  bool idle = core.WaitIdle(std::chrono::steady_clock::now() +
                            std::chrono::milliseconds(flags.drain_grace_ms));
  (*server)->Drain(std::chrono::milliseconds(1000));
  if (!idle) {
    // Their tasks are `running` on disk and run again after a restart.
    Log("grace period over with dispatches still in flight; they will be "
        "dispatched again after restart");
    store.Close();
    std::fflush(stderr);
    std::_Exit(0);
  }
  dispatcher.Join();
  if (Status s = store.Maintain(capture, /*force=*/true); !s.ok()) {
    Log("final snapshot failed (the log is still complete): " + s.message());
  }
  store.Close();
  Log("stopped");
  return 0;
}

}  // namespace
}  // namespace staticship::scheduler

int main(int argc, char** argv) {
  using namespace staticship::scheduler;
  std::vector<std::string> args(argv + 1, argv + argc);
  auto flags = ParseFlags(args);
  if (!flags.ok()) {
    std::fprintf(stderr, "scheduler: %s\n%s", flags.message().c_str(),
                 FlagsUsage().c_str());
    return 2;
  }
  if (flags->version) {
    std::printf("%s\n", kVersion);
    return 0;
  }
  if (flags->help) {
    std::printf("%s", FlagsUsage().c_str());
    return 0;
  }
  return Run(*flags);
}
