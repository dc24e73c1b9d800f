// The admin listener: live diagnostics on a port of their own, never the
// public one (services start it only with --admin-listen HOST:PORT).
//
//   GET /debug/pprof/profile?seconds=30&hz=100
//                       CPU profile, gzipped profile.proto for `go tool
//                       pprof`; one at a time (409 while one runs)
//   GET /debug/threads  every thread's stack now, as text
//   GET /debug/vars     runtime statistics as JSON
//   GET /debug/trace?seconds=5
//                       the services' spans as Chrome trace JSON; one at a
//                       time (409)
//   GET /debug/         this list
//
// Profiles and traces run on a thread of their own, so the listener keeps
// answering (a /debug/vars during a profile, a 409 to a second profile).
//
//   AdminOptions options;
//   options.port = 9090;
//   options.build = DescribeBuild("gateway", "1.2.0");
//   options.loops = server.loop_lag();
//   options.trace = &recorder;
//   auto admin = AdminServer::Create(std::move(options));
//   (*admin)->Start();
#ifndef STATICSHIP_COMMON_DIAGNOSTICS_ADMIN_SERVER_H_
#define STATICSHIP_COMMON_DIAGNOSTICS_ADMIN_SERVER_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/base/result.h"
#include "common/diagnostics/build_info.h"
#include "common/diagnostics/symbolizer.h"
#include "common/http/server.h"
#include "common/trace/trace_recorder.h"

namespace staticship::diagnostics {

struct AdminOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0: the kernel picks one (read it from port())
  // The service's public port, which the admin listener must never share:
  // Create() refuses it with a clear error.
  uint16_t public_port = 0;
  BuildInfo build;
  // The service's event loops, for /debug/vars.
  std::vector<std::shared_ptr<const http::LoopLagStats>> loops;
  std::chrono::milliseconds lag_probe_interval{100};
  // The recorder the service's hook points write to; without one
  // /debug/trace answers 404. Must outlive the admin server.
  trace::TraceRecorder* trace = nullptr;
  int max_profile_seconds = 300;
  int max_trace_seconds = 60;
};

class AdminServer {
 public:
  static Result<std::unique_ptr<AdminServer>> Create(AdminOptions options);
  // Ends a running profile or trace early (its client gets what was
  // collected), then stops the listener.
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  Status Start();
  uint16_t port() const { return server_->port(); }

 private:
  explicit AdminServer(AdminOptions options);
  void Handle(http::Request request, http::Responder responder);
  void Profile(const http::Request& request, http::Responder responder);
  void Threads(http::Responder responder);
  void Vars(http::Responder responder);
  void Trace(const http::Request& request, http::Responder responder);
  // Runs `job` on a thread of its own, joined by the destructor; false
  // (and `job` dropped) once the destructor has begun.
  bool RunInBackground(std::function<void()> job);
  // Sleeps until `deadline` or the destructor, whichever comes first.
  void SleepUntil(std::chrono::steady_clock::time_point deadline);
  std::shared_ptr<const Symbolizer> GetSymbolizer();
  std::string ProfilerJson();
  std::string TraceJson();

  AdminOptions options_;
  std::unique_ptr<http::Server> server_;
  std::atomic<bool> stopping_{false};

  std::mutex mu_;  // guards everything below
  std::condition_variable stop_cv_;
  struct Job {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::vector<Job> jobs_;
  // Loaded on first use (a profile or a dump): reading the binary's symbol
  // table takes milliseconds, and it never changes.
  std::shared_ptr<const Symbolizer> symbolizer_;
  bool profile_running_ = false;
  uint64_t profiles_taken_ = 0;
  std::string last_profile_json_ = "null";
  uint64_t traces_taken_ = 0;
  std::string last_trace_json_ = "null";
};

}  // namespace staticship::diagnostics

#endif  // STATICSHIP_COMMON_DIAGNOSTICS_ADMIN_SERVER_H_
