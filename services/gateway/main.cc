// gateway: staticship's L7 HTTP gateway. See README.md.
//
//   gateway --config FILE [--listen HOST:PORT]
//   gateway --check-config FILE
//   gateway --version
//
// SIGTERM/SIGINT drain and exit 0; SIGHUP reloads FILE (a bad file is
// refused with an error line and the old config keeps serving).
#include <signal.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "common/base/flags.h"
#include "services/gateway/config.h"
#include "services/gateway/gateway.h"

#ifndef STATICSHIP_GATEWAY_VERSION
#define STATICSHIP_GATEWAY_VERSION "0.1.0"
#endif

namespace staticship::gateway {
namespace {

constexpr std::string_view kUsage =
    "usage: gateway --config FILE [--listen HOST:PORT]\n"
    "       gateway --check-config FILE\n"
    "       gateway --version\n";

struct Flags {
  std::string config;
  std::string check_config;
  std::string listen;
  bool version = false;
};

Result<Flags> ParseFlags(int argc, char** argv) {
  Result<staticship::Flags> parsed =
      staticship::Flags::Parse(ArgsFromArgv({argv + 1, argv + argc}),
                               {.values = {"config", "check-config", "listen"},
                                .switches = {"version"}});
  if (!parsed.ok()) return parsed.error();
  Flags f;
  f.config = parsed->GetOr("config", "");
  f.check_config = parsed->GetOr("check-config", "");
  f.listen = parsed->GetOr("listen", "");
  f.version = parsed->GetBool("version");
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
  auto gateway = Gateway::Create(std::move(*config), {});
  if (!gateway.ok()) {
    std::fprintf(stderr, "gateway: %s\n", gateway.message().c_str());
    return 1;
  }
  Status started = (*gateway)->Start();
  if (!started.ok()) {
    std::fprintf(stderr, "gateway: %s\n", started.message().c_str());
    return 1;
  }
  // The real port (the config may say 0); scripts and tests read it here.
  std::fprintf(stderr, "gateway %s listening on %s:%u\n",
               STATICSHIP_GATEWAY_VERSION, host.c_str(),
               static_cast<unsigned>((*gateway)->port()));

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
