// gateway: staticship's L7 HTTP gateway. See README.md.
//
//   gateway --config FILE [--listen HOST:PORT] [--admin-listen HOST:PORT]
//   gateway --check-config FILE
//   gateway --version
//
// SIGTERM/SIGINT drain and exit 0; SIGHUP reloads FILE (a bad file is
// refused with an error line and the old config keeps serving).
// --admin-listen starts the diagnostics listener (common/diagnostics) on a
// port of its own; without it there is none.
#include <signal.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/base/flags.h"
#include "common/diagnostics/admin_server.h"
#include "common/diagnostics/build_info.h"
#include "common/trace/trace_recorder.h"
#include "services/gateway/config.h"
#include "services/gateway/gateway.h"

#ifndef STATICSHIP_GATEWAY_VERSION
#define STATICSHIP_GATEWAY_VERSION "0.1.0"
#endif

namespace staticship::gateway {
namespace {

constexpr std::string_view kUsage =
    "usage: gateway --config FILE [--listen HOST:PORT] "
    "[--admin-listen HOST:PORT]\n"
    "       gateway --check-config FILE\n"
    "       gateway --version\n";

struct Flags {
  std::string config;
  std::string check_config;
  std::string listen;
  std::optional<Endpoint> admin_listen;
  bool version = false;
};

Result<Flags> ParseFlags(int argc, char** argv) {
  Result<staticship::Flags> parsed = staticship::Flags::Parse(
      ArgsFromArgv({argv + 1, argv + argc}),
      {.values = {"config", "check-config", "listen", "admin-listen"},
       .switches = {"version"}});
  if (!parsed.ok()) return parsed.error();
  Flags f;
  f.config = parsed->GetOr("config", "");
  f.check_config = parsed->GetOr("check-config", "");
  f.listen = parsed->GetOr("listen", "");
  f.version = parsed->GetBool("version");
  if (std::optional<std::string> admin = parsed->Get("admin-listen")) {
    Result<Endpoint> e = ParseHostPort(*admin);
    if (!e.ok()) return WithContext(e.error(), "--admin-listen");
    f.admin_listen = *e;
  }
  return f;
}

Result<Config> LoadWithOverrides(const Flags& flags) {
  Result<Config> c = LoadConfigFile(flags.config);
  if (!c.ok()) return c;
  if (!flags.listen.empty()) {
    Result<Endpoint> e = ParseHostPort(flags.listen);
    if (!e.ok()) return WithContext(e.error(), "--listen");
    c->listen_host = e->host;
    c->listen_port = e->port;
  }
  return c;
}

int Run(int argc, char** argv) {
  Result<Flags> flags = ParseFlags(argc, argv);
  if (!flags.ok()) {
    std::fprintf(stderr, "gateway: %s\n%s", flags.message().c_str(),
                 std::string(kUsage).c_str());
    return 2;
  }
  if (flags->version) {
    std::printf("gateway %s\n", STATICSHIP_GATEWAY_VERSION);
    return 0;
  }
  if (!flags->check_config.empty()) {
    Result<Config> c = LoadConfigFile(flags->check_config);
    if (!c.ok()) {
      std::fprintf(stderr, "%s\n", c.message().c_str());
      return 1;
    }
    std::printf("%s: ok (%zu routes, %zu upstreams)\n",
                flags->check_config.c_str(), c->routes.size(),
                c->upstreams.size());
    return 0;
  }
  if (flags->config.empty()) {
    std::fprintf(stderr, "gateway: --config is required\n%s",
                 std::string(kUsage).c_str());
    return 2;
  }

  // Signals are taken synchronously by this thread; workers inherit the
  // mask, so no handler runs on them. SIGPIPE is ignored by MSG_NOSIGNAL
  // already; blocking it also covers writes to a closed stderr pipe.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  sigaddset(&signals, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  Result<Config> config = LoadWithOverrides(*flags);
  if (!config.ok()) {
    std::fprintf(stderr, "%s\n", config.message().c_str());
    return 1;
  }
  std::string host = config->listen_host;
  // Recorded into only while /debug/trace runs; idle, one relaxed load per
  // hook point.
  trace::TraceRecorder trace;
  GatewayOptions gateway_options;
  gateway_options.trace = &trace;
  auto gateway = Gateway::Create(std::move(*config), gateway_options);
  if (!gateway.ok()) {
    std::fprintf(stderr, "gateway: %s\n", gateway.message().c_str());
    return 1;
  }
  // Bound before anything serves, so that a bad address stops the start.
  std::unique_ptr<diagnostics::AdminServer> admin;
  if (flags->admin_listen) {
    diagnostics::AdminOptions options;
    options.host = flags->admin_listen->host;
    options.port = flags->admin_listen->port;
    options.public_port = (*gateway)->port();
    options.build =
        diagnostics::DescribeBuild("gateway", STATICSHIP_GATEWAY_VERSION);
    options.loops = (*gateway)->server().loop_lag();
    options.trace = &trace;
    auto created = diagnostics::AdminServer::Create(std::move(options));
    if (!created.ok()) {
      std::fprintf(stderr, "gateway: --admin-listen: %s\n",
                   created.message().c_str());
      return 1;
    }
    admin = std::move(*created);
  }
  Status started = (*gateway)->Start();
  if (started.ok() && admin) started = admin->Start();
  if (!started.ok()) {
    std::fprintf(stderr, "gateway: %s\n", started.message().c_str());
    return 1;
  }
  // The real port (the config may say 0); scripts and tests read it here.
  std::fprintf(stderr, "gateway %s listening on %s:%u\n",
               STATICSHIP_GATEWAY_VERSION, host.c_str(),
               static_cast<unsigned>((*gateway)->port()));
  if (admin) {
    std::fprintf(stderr, "gateway admin listening on %s:%u (GET /debug/)\n",
                 flags->admin_listen->host.c_str(),
                 static_cast<unsigned>(admin->port()));
  }

  while (true) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      Result<Config> next = LoadWithOverrides(*flags);
      if (!next.ok()) {
        std::fprintf(stderr, "gateway: reload refused: %s\n",
                     next.message().c_str());
        continue;
      }
      Result<std::string> notes = (*gateway)->Reload(std::move(*next));
      std::fprintf(stderr, "gateway: config reloaded%s%s\n",
                   notes->empty() ? "" : "; ", notes->c_str());
      continue;
    }
    if (sig == SIGTERM || sig == SIGINT) {
      std::fprintf(stderr, "gateway: draining\n");
      (*gateway)->Drain();
      std::fprintf(stderr, "gateway: stopped\n");
      return 0;
    }
  }
}

}  // namespace
}  // namespace staticship::gateway

int main(int argc, char** argv) { return staticship::gateway::Run(argc, argv); }
