#include "services/scheduler/game_server_transport.h"

namespace staticship::scheduler {
namespace {

http::ClientOptions Options(int max_idle_per_host) {
  http::ClientOptions options;
  options.max_idle_per_host = static_cast<size_t>(max_idle_per_host);
  options.user_agent = "staticship-scheduler";
  // Game-server answers are stored with the task; keep them bounded.
  options.max_response_body = 1 << 20;
  return options;
}

}  // namespace

HttpTransport::HttpTransport(int max_idle_per_host)
    : client_(Options(max_idle_per_host)) {}

DispatchOutcome HttpTransport::Send(const DispatchRequest& request) {
  auto start = std::chrono::steady_clock::now();
  http::ClientRequest req;
  req.method = "POST";
  req.url = "http://" + request.endpoint + request.path;
  req.headers.Add("X-Task-Id", request.task_id);
  req.headers.Add("Content-Type", "application/json");
  req.body = request.body;
  req.timeout = request.timeout;
  auto response = client_.Send(req);

  DispatchOutcome outcome;
  outcome.duration_us = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::steady_clock::now() - start)
                            .count();
  if (response.ok()) {
    outcome.kind = DispatchOutcome::Kind::kResponse;
    outcome.status = response->status;
    outcome.body = std::move(response->body);
    return outcome;
  }
  outcome.error = request.endpoint + ": " + response.message();
  outcome.kind =
      http::ErrorKindOf(response.error()) == http::ErrorKind::kTimeout
          ? DispatchOutcome::Kind::kTimeout
          : DispatchOutcome::Kind::kConnectError;
  return outcome;
}

}  // namespace staticship::scheduler
