// A game-server stand-in for the scheduler's integration tests and benchmark:
// answers every POST according to --mode (ok, client_error, server_error,
// hang, delay). --hang-first N leaves the first N requests unanswered and
// --fail-first N answers the N after them with 503. Each 2xx body is
// {"seq": <arrival order>, "task": <X-Task-Id>} so a test can read the
// dispatch order from the stored responses.
//
// GET /stats: {"requests", "in_flight", "max_in_flight"}, where a request is
// in flight from its arrival until its answer is sent (a hung one stays).
// GET /requests, with --record: every request as received (method, path,
// X-Task-Id, body) so that a test can check what the scheduler sent; off by
// default so that the benchmark's stand-in does not grow without bound.
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "common/base/file.h"
#include "common/base/flags.h"
#include "common/http/server.h"
#include "services/scheduler/testing/delayed_sender.h"

namespace {

using nlohmann::json;
using staticship::http::Request;
using staticship::http::Responder;
using staticship::http::Response;

struct Options {
  std::string mode = "ok";
  int delay_ms = 0;
  long hang_first = 0;
  long fail_first = 0;
  std::string port_file;
  // 0: the kernel picks one. A fixed port lets a test restart the stand-in
  // where the scheduler's zones file already points.
  int port = 0;
  int threads = 2;
  bool record = false;
};

bool ParseArgs(int argc, char** argv, Options* o) {
  auto flags = staticship::Flags::Parse(
      staticship::ArgsFromArgv({argv + 1, argv + argc}),
      {.values = {"mode", "delay-ms", "hang-first", "fail-first", "port-file",
                  "port", "threads"},
       .switches = {"record"}});
  if (!flags.ok()) {
    std::fprintf(stderr, "game_server_standin: %s\n", flags.message().c_str());
    return false;
  }
  o->record = flags->GetBool("record");
  o->mode = flags->GetOr("mode", o->mode);
  o->port_file = flags->GetOr("port-file", o->port_file);
  if (auto v = flags->Get("delay-ms")) o->delay_ms = std::atoi(v->c_str());
  if (auto v = flags->Get("hang-first")) o->hang_first = std::atol(v->c_str());
  if (auto v = flags->Get("fail-first")) o->fail_first = std::atol(v->c_str());
  if (auto v = flags->Get("threads")) o->threads = std::atoi(v->c_str());
  if (auto v = flags->Get("port")) o->port = std::atoi(v->c_str());
  return o->mode == "ok" || o->mode == "client_error" ||
         o->mode == "server_error" || o->mode == "hang" || o->mode == "delay";
}

class Standin {
 public:
  explicit Standin(Options options) : options_(std::move(options)) {}

  void Handle(Request request, Responder responder) {
    if (request.method == "GET" && request.path == "/stats") {
      std::lock_guard<std::mutex> lock(mu_);
      return responder.Send(Response(200, json({{"requests", requests_},
                                                {"in_flight", in_flight_},
                                                {"max_in_flight", max_}})
                                              .dump()));
    }
    if (request.method == "GET" && request.path == "/requests") {
      if (!options_.record) {
        return responder.Send(Response(404, "start with --record"));
      }
      std::lock_guard<std::mutex> lock(mu_);
      // Bodies are whatever arrived: invalid UTF-8 must not stop the dump.
      return responder.Send(Response(
          200, json({{"requests", recorded_}})
                   .dump(-1, ' ', false, json::error_handler_t::replace)));
    }
    const std::string* id = request.headers.Get("X-Task-Id");
    std::string task = id != nullptr ? *id : "";
    long seq;
    {
      std::lock_guard<std::mutex> lock(mu_);
      seq = ++requests_;
      max_ = std::max(max_, ++in_flight_);
      if (options_.record) {
        recorded_.push_back({{"seq", seq},
                             {"method", request.method},
                             {"path", request.path},
                             {"task", task},
                             {"body", request.body}});
      }
    }
    bool fail = seq > options_.hang_first &&
                seq <= options_.hang_first + options_.fail_first;
    if (fail) return Answer(responder, Response(503, "warming up"));
    if (seq <= options_.hang_first || options_.mode == "hang") {
      std::lock_guard<std::mutex> lock(mu_);
      hung_.push_back(std::move(responder));  // kept so that it never answers
      return;
    }
    if (options_.mode == "client_error") {
      return Answer(responder, Response(422, "bad payload"));
    }
    if (options_.mode == "server_error") {
      return Answer(responder, Response(500, "crashed"));
    }
    Response ok(
        200, "{\"seq\":" + std::to_string(seq) + ",\"task\":\"" + task + "\"}");
    if (options_.mode == "delay" && options_.delay_ms > 0) {
      delayer_.Add(std::chrono::steady_clock::now() +
                       std::chrono::milliseconds(options_.delay_ms),
                   std::move(responder), std::move(ok), [this] { End(); });
      return;
    }
    Answer(responder, std::move(ok));
  }

 private:
  void End() {
    std::lock_guard<std::mutex> lock(mu_);
    --in_flight_;
  }
  // Ends the request before answering: the client may send its next request
  // as soon as it has the answer, and it must not look concurrent.
  void Answer(const Responder& responder, Response response) {
    End();
    responder.Send(std::move(response));
  }

  const Options options_;
  std::mutex mu_;
  long requests_ = 0;
  long in_flight_ = 0;
  long max_ = 0;
  json::array_t recorded_;
  std::vector<Responder> hung_;
  staticship::scheduler::testing::DelayedSender delayer_;  // last: uses End
};

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!ParseArgs(argc, argv, &options)) {
    std::fprintf(stderr,
                 "usage: game_server_standin --port-file F [--mode "
                 "ok|client_error|server_error|hang|delay] [--delay-ms N] "
                 "[--hang-first N] [--fail-first N] [--port N] [--threads N] "
                 "[--record]\n");
    return 2;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  Standin standin(options);
  staticship::http::ServerOptions server_options;
  server_options.workers = options.threads;
  server_options.port = static_cast<uint16_t>(options.port);
  auto server = staticship::http::Server::Create(
      server_options, [&standin](Request request, Responder responder) {
        standin.Handle(std::move(request), std::move(responder));
      });
  if (!server.ok()) {
    std::fprintf(stderr, "standin: %s\n", server.message().c_str());
    return 1;
  }
  if (!(*server)->Start().ok()) return 1;
  if (!options.port_file.empty()) {
    if (staticship::Status written = staticship::WriteFileAtomically(
            options.port_file, std::to_string((*server)->port()) + "\n");
        !written.ok()) {
      std::fprintf(stderr, "standin: %s\n", written.message().c_str());
      return 1;
    }
  }
  int sig = 0;
  sigwait(&signals, &sig);
  (*server)->Stop();
  return 0;
}
