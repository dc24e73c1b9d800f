// A game-server stand-in for the scheduler's integration tests and benchmark:
// answers every POST according to --mode (ok, client_error, server_error,
// hang, delay), optionally failing the first --fail-first requests with 503.
// Each 2xx body is {"seq": <arrival order>, "task": <X-Task-Id>} so a test
// can read the dispatch order from the stored responses.
#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "services/common/http/server.h"
#include "services/scheduler/testing/delayed_sender.h"

namespace {

using staticship::http::Request;
using staticship::http::Responder;
using staticship::http::Response;

struct Options {
  std::string mode = "ok";
  int delay_ms = 0;
  long fail_first = 0;
  std::string port_file;
  int threads = 2;
};

bool ParseArgs(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) return false;
    std::string v = argv[++i];
    if (a == "--mode") {
      o->mode = v;
    } else if (a == "--delay-ms") {
      o->delay_ms = std::atoi(v.c_str());
    } else if (a == "--fail-first") {
      o->fail_first = std::atol(v.c_str());
    } else if (a == "--port-file") {
      o->port_file = v;
    } else if (a == "--threads") {
      o->threads = std::atoi(v.c_str());
    } else {
      return false;
    }
  }
  return o->mode == "ok" || o->mode == "client_error" ||
         o->mode == "server_error" || o->mode == "hang" || o->mode == "delay";
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!ParseArgs(argc, argv, &options)) {
    std::fprintf(stderr,
                 "usage: game_server_standin --port-file F [--mode "
                 "ok|client_error|server_error|hang|delay] [--delay-ms N] "
                 "[--fail-first N] [--threads N]\n");
    return 2;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::mutex mu;
  long requests = 0;
  std::vector<Responder> hung;  // kept so that they never answer
  staticship::scheduler::testing::DelayedSender delayer;
  staticship::http::ServerOptions server_options;
  server_options.workers = options.threads;
  auto server = staticship::http::Server::Create(
      server_options, [&](Request request, Responder responder) {
        if (request.method == "GET" && request.path == "/stats") {
          std::lock_guard<std::mutex> lock(mu);
          responder.Send(
              Response(200, "{\"requests\":" + std::to_string(requests) + "}"));
          return;
        }
        long seq;
        {
          std::lock_guard<std::mutex> lock(mu);
          seq = ++requests;
        }
        const std::string* id = request.headers.Get("X-Task-Id");
        std::string task = id != nullptr ? *id : "";
        if (seq <= options.fail_first) {
          responder.Send(Response(503, "warming up"));
          return;
        }
        if (options.mode == "client_error") {
          responder.Send(Response(422, "bad payload"));
        } else if (options.mode == "server_error") {
          responder.Send(Response(500, "crashed"));
        } else if (options.mode == "hang") {
          std::lock_guard<std::mutex> lock(mu);
          hung.push_back(std::move(responder));
        } else {
          Response ok(200, "{\"seq\":" + std::to_string(seq) + ",\"task\":\"" +
                               task + "\"}");
          if (options.mode == "delay" && options.delay_ms > 0) {
            delayer.Add(std::chrono::steady_clock::now() +
                            std::chrono::milliseconds(options.delay_ms),
                        std::move(responder), std::move(ok));
          } else {
            responder.Send(std::move(ok));
          }
        }
      });
  if (!server.ok()) {
    std::fprintf(stderr, "standin: %s\n", server.message().c_str());
    return 1;
  }
  if (!(*server)->Start().ok()) return 1;
  if (!options.port_file.empty()) {
    std::string tmp = options.port_file + ".tmp";
    FILE* f = std::fopen(tmp.c_str(), "w");
    if (f == nullptr) return 1;
    std::fprintf(f, "%u\n", (*server)->port());
    std::fclose(f);
    std::rename(tmp.c_str(), options.port_file.c_str());
  }
  int sig = 0;
  sigwait(&signals, &sig);
  (*server)->Stop();
  return 0;
}
