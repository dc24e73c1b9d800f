#include "services/gateway/health_prober.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "common/base/unique_fd.h"
#include "common/http/stream.h"
#include "services/gateway/endpoint_address.h"

namespace staticship::gateway {

using http::Clock;
using http::WaitFor;

bool ProbeOnce(const Endpoint& endpoint, std::string_view path,
               Millis timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  sockaddr_storage addr;
  socklen_t len = 0;
  if (!ResolveEndpoint(endpoint, &addr, &len)) return false;
  UniqueFd fd(
      ::socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return false;
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    if (errno != EINPROGRESS) return false;
    if (!WaitFor(fd.get(), POLLOUT, deadline)) return false;
    int err = 0;
    socklen_t err_len = sizeof(err);
    ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &err_len);
    if (err != 0) return false;
  }
  std::string host =
      endpoint.host.find(':') == std::string::npos
          ? endpoint.key()
          : "[" + endpoint.host + "]:" + std::to_string(endpoint.port);
  std::string request = "GET " + std::string(path) +
                        " HTTP/1.1\r\nHost: " + host +
                        "\r\nUser-Agent: staticship-gateway-health\r\n"
                        "Connection: close\r\n\r\n";
  size_t sent = 0;
  while (sent < request.size()) {
    ssize_t n = ::send(fd.get(), request.data() + sent, request.size() - sent,
                       MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!WaitFor(fd.get(), POLLOUT, deadline)) return false;
    } else {
      return false;
    }
  }
  // The status line is all a verdict needs: "HTTP/1.x NNN".
  std::string head;
  while (head.size() < 12) {
    char buf[256];
    ssize_t n = ::recv(fd.get(), buf, sizeof(buf), 0);
    if (n > 0) {
      head.append(buf, static_cast<size_t>(n));
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!WaitFor(fd.get(), POLLIN, deadline)) return false;
    } else {
      return false;
    }
  }
  return head.compare(0, 7, "HTTP/1.") == 0 && head[8] == ' ' &&
         head[9] == '2' && head[10] >= '0' && head[10] <= '9' &&
         head[11] >= '0' && head[11] <= '9';
}

void HealthProber::SetTargets(ProbeSet set) {
  std::lock_guard<std::mutex> lock(mu_);
  pending_ = std::move(set);
  changed_ = true;
  cv_.notify_all();
}

void HealthProber::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { Run(); });
}

void HealthProber::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void HealthProber::Run() {
  struct Progress {
    uint32_t successes = 0;
    uint32_t failures = 0;
    Clock::time_point due;
  };
  ProbeSet set;
  std::vector<Progress> progress;
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    if (changed_) {
      set = std::move(pending_);
      pending_ = ProbeSet{};
      changed_ = false;
      progress.assign(set.targets.size(), Progress{.due = Clock::now()});
    }
    lock.unlock();
    for (size_t i = 0; i < set.targets.size(); ++i) {
      const ProbeTarget& t = set.targets[i];
      Progress& p = progress[i];
      if (Clock::now() < p.due) continue;
      bool ok = ProbeOnce(t.endpoint, t.config.path, t.config.timeout);
      if (ok) {
        p.failures = 0;
        if (p.successes < t.config.healthy_threshold) ++p.successes;
        if (p.successes >= t.config.healthy_threshold) {
          t.healthy->store(true, std::memory_order_relaxed);
        }
      } else {
        p.successes = 0;
        if (p.failures < t.config.unhealthy_threshold) ++p.failures;
        if (p.failures >= t.config.unhealthy_threshold) {
          t.healthy->store(false, std::memory_order_relaxed);
        }
      }
      // From the planned time, so that a slow probe does not stretch the
      // schedule; from now when a whole interval was missed.
      p.due += t.config.interval;
      if (p.due <= Clock::now()) p.due = Clock::now() + t.config.interval;
    }
    Clock::time_point next = Clock::now() + std::chrono::seconds(1);
    for (const Progress& p : progress) next = std::min(next, p.due);
    lock.lock();
    cv_.wait_until(lock, next, [this] { return stop_ || changed_; });
  }
}

}  // namespace staticship::gateway
