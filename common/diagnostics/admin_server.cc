#include "common/diagnostics/admin_server.h"

#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <map>
#include <utility>

#include "common/diagnostics/cpu_profiler.h"
#include "common/diagnostics/pprof_encoder.h"
#include "common/diagnostics/process_threads.h"
#include "common/diagnostics/runtime_vars.h"
#include "common/diagnostics/thread_dump.h"
#include "common/trace/chrome_trace.h"

namespace staticship::diagnostics {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kIndex =
    "staticship admin listener\n"
    "\n"
    "/debug/pprof/profile?seconds=30&hz=100  CPU profile (gzipped "
    "profile.proto): go tool pprof -top BINARY FILE\n"
    "/debug/threads                          every thread's stack now\n"
    "/debug/vars                             runtime statistics (JSON)\n"
    "/debug/trace?seconds=5                  spans as Chrome trace JSON "
    "(chrome://tracing, ui.perfetto.dev)\n";

http::Response Text(int status, std::string body) {
  http::Response r(status, std::move(body));
  r.headers.Add("Content-Type", "text/plain; charset=utf-8");
  r.headers.Add("X-Content-Type-Options", "nosniff");
  return r;
}

http::Response Json(std::string body) {
  http::Response r(200, std::move(body));
  r.headers.Add("Content-Type", "application/json");
  return r;
}

// name=value pairs of a query string; the last of a repeated name wins.
std::map<std::string, std::string> ParseQuery(std::string_view query) {
  std::map<std::string, std::string> params;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query.remove_prefix(amp == std::string_view::npos ? query.size() : amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    params[std::string(pair.substr(0, eq))] =
        eq == std::string_view::npos ? "" : std::string(pair.substr(eq + 1));
  }
  return params;
}

// The integer parameter `name` in [lo, hi], `fallback` when absent.
Result<int> IntParam(const std::map<std::string, std::string>& params,
                     const std::string& name, int fallback, int lo, int hi) {
  auto it = params.find(name);
  if (it == params.end()) return fallback;
  int value = 0;
  const std::string& text = it->second;
  auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < lo ||
      value > hi) {
    return MakeError(ErrorCode::kInvalidArgument,
                     name + " must be an integer in [" + std::to_string(lo) +
                         ", " + std::to_string(hi) + "], not '" + text + "'");
  }
  return value;
}

double Ms(int64_t ns) { return static_cast<double>(ns) / 1e6; }

std::string FormatMs(int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3f", Ms(ns));
  return buf;
}

}  // namespace

AdminServer::AdminServer(AdminOptions options) : options_(std::move(options)) {}

Result<std::unique_ptr<AdminServer>> AdminServer::Create(AdminOptions options) {
  if (options.port != 0 && options.port == options.public_port) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "admin listener: port " + std::to_string(options.port) +
                         " is the public port; the admin listener needs a "
                         "port of its own");
  }
  std::unique_ptr<AdminServer> admin(new AdminServer(std::move(options)));
  http::ServerOptions so;
  so.host = admin->options_.host;
  so.port = admin->options_.port;
  so.workers = 1;
  so.thread_name = "admin";
  // Never shares a port: on the public port it fails to bind rather than
  // take a share of the public traffic.
  so.reuse_port = false;
  // Its own loop's lag is not the service's.
  so.lag_probe_interval = std::chrono::milliseconds(0);
  so.max_connections = 64;
  AdminServer* self = admin.get();
  auto server = http::Server::Create(
      so, [self](http::Request request, http::Responder responder) {
        self->Handle(std::move(request), std::move(responder));
      });
  if (!server.ok()) {
    return WithContext(server.error(), "admin listener");
  }
  admin->server_ = std::move(*server);
  return admin;
}

AdminServer::~AdminServer() {
  stopping_.store(true);
  std::vector<Job> jobs;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_cv_.notify_all();
    jobs.swap(jobs_);
  }
  for (Job& job : jobs) job.thread.join();
  if (server_) server_->Stop();
}

Status AdminServer::Start() { return server_->Start(); }

void AdminServer::Handle(http::Request request, http::Responder responder) {
  const std::string& path = request.path;
  if (request.method != "GET") {
    http::Response r = Text(405, "only GET\n");
    r.headers.Add("Allow", "GET");
    responder.Send(std::move(r));
    return;
  }
  if (path == "/debug/pprof/profile") return Profile(request, responder);
  if (path == "/debug/threads") return Threads(responder);
  if (path == "/debug/vars") return Vars(responder);
  if (path == "/debug/trace") return Trace(request, responder);
  if (path == "/debug" || path == "/debug/" || path == "/") {
    responder.Send(Text(200, std::string(kIndex)));
    return;
  }
  responder.Send(Text(404, "no such endpoint; GET /debug/ lists them\n"));
}

void AdminServer::Profile(const http::Request& request,
                          http::Responder responder) {
  const auto params = ParseQuery(request.query);
  Result<int> seconds =
      IntParam(params, "seconds", 30, 1, options_.max_profile_seconds);
  Result<int> hz = IntParam(params, "hz", 100, kMinProfileHz, kMaxProfileHz);
  for (const Result<int>* r : {&seconds, &hz}) {
    if (!r->ok()) {
      responder.Send(Text(400, r->message() + "\n"));
      return;
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (profile_running_) {
      responder.Send(Text(409,
                          "a CPU profile is already being taken (one at a "
                          "time); try again when it ends\n"));
      return;
    }
    profile_running_ = true;
  }
  const bool started = RunInBackground([this, responder, seconds = *seconds,
                                        hz = *hz] {
    ProfileOptions options;
    options.duration = std::chrono::seconds(seconds);
    options.hz = hz;
    options.cancel = &stopping_;
    Result<CpuProfile> profile = CollectCpuProfile(options);
    const Clock::time_point encode_start = Clock::now();
    // The program's functions are named here, from its own symbol table:
    // Debian's `go tool pprof` can name them only from DWARF.
    std::shared_ptr<const Symbolizer> symbolizer = GetSymbolizer();
    auto namer = [&symbolizer](uint64_t address) {
      return symbolizer->Describe(address).symbol;
    };
    Result<std::string> encoded = profile.ok()
                                      ? EncodeGzippedProfile(*profile, namer)
                                      : Result<std::string>(profile.error());
    const int64_t encode_ns = (Clock::now() - encode_start).count();
    {
      std::lock_guard<std::mutex> lock(mu_);
      profile_running_ = false;
      if (encoded.ok()) {
        ++profiles_taken_;
        char json[512];
        std::snprintf(
            json, sizeof(json),
            "{\"seconds\":%d,\"hz\":%d,\"samples\":%llu,\"signals\":%llu,"
            "\"dropped\":%llu,"
            "\"threads\":%d,\"setup_ms\":%.3f,\"teardown_ms\":%.3f,"
            "\"encode_ms\":%.3f,\"handler_ms\":%.3f,"
            "\"collector_cpu_ms\":%.3f,\"bytes\":%zu}",
            seconds, hz, static_cast<unsigned long long>(profile->samples),
            static_cast<unsigned long long>(profile->signals),
            static_cast<unsigned long long>(profile->dropped), profile->threads,
            Ms(profile->setup_ns), Ms(profile->teardown_ns), Ms(encode_ns),
            Ms(profile->handler_ns), Ms(profile->collector_cpu_ns),
            encoded->size());
        last_profile_json_ = json;
      }
    }
    if (!encoded.ok()) {
      // Another admin listener of this process holds the profiler.
      const int status =
          encoded.code() == ErrorCode::kFailedPrecondition ? 409 : 500;
      responder.Send(Text(status, encoded.message() + "\n"));
      return;
    }
    http::Response r(200, std::move(*encoded));
    r.headers.Add("Content-Type", "application/octet-stream");
    r.headers.Add("Content-Disposition", "attachment; filename=\"cpu.pb.gz\"");
    // What the profile cost, for scripts (ci/bench-profiling) and people.
    r.headers.Add("X-Profile-Samples", std::to_string(profile->samples));
    r.headers.Add("X-Profile-Signals", std::to_string(profile->signals));
    r.headers.Add("X-Profile-Dropped", std::to_string(profile->dropped));
    r.headers.Add("X-Profile-Threads", std::to_string(profile->threads));
    r.headers.Add("X-Profile-Setup-Ms", FormatMs(profile->setup_ns));
    r.headers.Add("X-Profile-Teardown-Ms", FormatMs(profile->teardown_ns));
    r.headers.Add("X-Profile-Encode-Ms", FormatMs(encode_ns));
    r.headers.Add("X-Profile-Handler-Ms", FormatMs(profile->handler_ns));
    r.headers.Add("X-Profile-Collector-Cpu-Ms",
                  FormatMs(profile->collector_cpu_ns));
    responder.Send(std::move(r));
  });
  if (!started) responder.Send(Text(503, "the admin listener is stopping\n"));
}

void AdminServer::Threads(http::Responder responder) {
  // Inline on the admin loop: a dump takes milliseconds, and this thread
  // answers its own signal like the others.
  Result<std::vector<ThreadStack>> stacks =
      DumpThreadStacks(std::chrono::milliseconds(500));
  if (!stacks.ok()) {
    const int status =
        stacks.code() == ErrorCode::kFailedPrecondition ? 409 : 500;
    responder.Send(Text(status, stacks.message() + "\n"));
    return;
  }
  responder.Send(Text(200, FormatThreadDump(*stacks, *GetSymbolizer())));
}

std::shared_ptr<const Symbolizer> AdminServer::GetSymbolizer() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!symbolizer_) {
    symbolizer_ =
        std::make_shared<const Symbolizer>(Symbolizer::ForThisProcess());
  }
  return symbolizer_;
}

void AdminServer::Vars(http::Responder responder) {
  VarsInput input;
  input.build = options_.build;
  input.loops = options_.loops;
  input.lag_probe_interval = options_.lag_probe_interval;
  input.profiler_json = ProfilerJson();
  input.trace_json = TraceJson();
  responder.Send(Json(RuntimeVarsJson(input)));
}

std::string AdminServer::ProfilerJson() {
  std::lock_guard<std::mutex> lock(mu_);
  return std::string("{\"running\":") + (profile_running_ ? "true" : "false") +
         ",\"profiles_taken\":" + std::to_string(profiles_taken_) +
         ",\"last\":" + last_profile_json_ + "}";
}

std::string AdminServer::TraceJson() {
  std::lock_guard<std::mutex> lock(mu_);
  if (options_.trace == nullptr) return "{\"available\":false}";
  return std::string("{\"available\":true,\"running\":") +
         (options_.trace->active() ? "true" : "false") +
         ",\"capacity\":" + std::to_string(options_.trace->capacity()) +
         ",\"traces_taken\":" + std::to_string(traces_taken_) +
         ",\"last\":" + last_trace_json_ + "}";
}

void AdminServer::Trace(const http::Request& request,
                        http::Responder responder) {
  if (options_.trace == nullptr) {
    responder.Send(Text(404, "this service records no trace\n"));
    return;
  }
  Result<int> seconds = IntParam(ParseQuery(request.query), "seconds", 5, 1,
                                 options_.max_trace_seconds);
  if (!seconds.ok()) {
    responder.Send(Text(400, seconds.message() + "\n"));
    return;
  }
  if (Status begun = options_.trace->Start(); !begun.ok()) {
    responder.Send(Text(409,
                        "a trace is already being recorded (one at a "
                        "time); try again when it ends\n"));
    return;
  }
  const bool started = RunInBackground([this, responder, seconds = *seconds] {
    SleepUntil(Clock::now() + std::chrono::seconds(seconds));
    trace::Trace recorded = options_.trace->Stop();
    std::string body =
        trace::ChromeTraceJson(recorded, ::getpid(), ThreadNames());
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++traces_taken_;
      last_trace_json_ = "{\"seconds\":" + std::to_string(seconds) +
                         ",\"events\":" + std::to_string(recorded.size) +
                         ",\"dropped\":" + std::to_string(recorded.dropped) +
                         "}";
    }
    http::Response r = Json(std::move(body));
    r.headers.Add("Content-Disposition", "attachment; filename=\"trace.json\"");
    r.headers.Add("X-Trace-Events", std::to_string(recorded.size));
    r.headers.Add("X-Trace-Dropped", std::to_string(recorded.dropped));
    responder.Send(std::move(r));
  });
  if (!started) {
    options_.trace->Stop();
    responder.Send(Text(503, "the admin listener is stopping\n"));
  }
}

bool AdminServer::RunInBackground(std::function<void()> job) {
  std::lock_guard<std::mutex> lock(mu_);
  // The destructor has taken the list to join it: a job started now would
  // never be joined.
  if (stopping_.load()) return false;
  // Reap finished jobs so the list stays as long as what runs.
  for (auto it = jobs_.begin(); it != jobs_.end();) {
    if (it->done->load()) {
      it->thread.join();
      it = jobs_.erase(it);
    } else {
      ++it;
    }
  }
  auto done = std::make_shared<std::atomic<bool>>(false);
  jobs_.push_back({std::thread([job = std::move(job), done] {
                     job();
                     done->store(true);
                   }),
                   done});
  return true;
}

void AdminServer::SleepUntil(Clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  stop_cv_.wait_until(lock, deadline, [this] { return stopping_.load(); });
}

}  // namespace staticship::diagnostics
