// A loopback TCP proxy that a test can cut, to take etcd away from one
// scheduler while the test itself keeps writing to etcd (for example to
// compact the history the scheduler's watch will ask for).
#ifndef STATICSHIP_SERVICES_SCHEDULER_TESTING_ETCD_TCP_PROXY_H_
#define STATICSHIP_SERVICES_SCHEDULER_TESTING_ETCD_TCP_PROXY_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#include "common/base/unique_fd.h"
#include "common/testing/ports.h"

namespace staticship::scheduler::testing {

class TcpProxy {
 public:
  explicit TcpProxy(int upstream_port) : upstream_port_(upstream_port) {
    Result<staticship::testing::Listener> listener =
        staticship::testing::ListenOnLoopback(128);
    // A proxy that cannot listen leaves the test without etcd: stop here
    // with the reason rather than later with a confusing timeout.
    if (!listener.ok()) {
      std::fprintf(stderr, "TcpProxy: %s\n", listener.message().c_str());
      std::abort();
    }
    port_ = listener->port;
    listener_ = std::move(listener->fd);
    acceptor_ = std::thread([this] { Accept(); });
  }
  ~TcpProxy() {
    stop_ = true;
    ::shutdown(listener_.get(), SHUT_RDWR);
    acceptor_.join();
    Cut();
    std::vector<std::thread> pumps;
    {
      std::lock_guard<std::mutex> lock(mu_);
      pumps.swap(pumps_);
    }
    for (auto& t : pumps) t.join();
  }
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  int port() const { return port_; }

  // Breaks every connection and refuses new ones until Restore().
  void Cut() {
    cut_ = true;
    std::lock_guard<std::mutex> lock(mu_);
    for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
  }
  void Restore() { cut_ = false; }

 private:
  void Accept() {
    while (!stop_) {
      int client = ::accept(listener_.get(), nullptr, nullptr);
      if (client < 0) continue;
      if (cut_ || stop_) {
        ::close(client);
        continue;
      }
      int upstream = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      addr.sin_port = htons(static_cast<uint16_t>(upstream_port_));
      if (::connect(upstream, reinterpret_cast<sockaddr*>(&addr),
                    sizeof(addr)) != 0) {
        ::close(upstream);
        ::close(client);
        continue;
      }
      std::lock_guard<std::mutex> lock(mu_);
      open_fds_.push_back(client);
      open_fds_.push_back(upstream);
      pumps_.emplace_back([this, client, upstream] { Pump(client, upstream); });
    }
  }
  void Pump(int a, int b) {
    char buf[65536];
    pollfd fds[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
    while (!cut_) {
      if (::poll(fds, 2, 100) <= 0) continue;
      bool done = false;
      for (int i = 0; i < 2 && !done; ++i) {
        if (fds[i].revents == 0) continue;
        ssize_t n = ::recv(fds[i].fd, buf, sizeof(buf), 0);
        if (n <= 0 || ::send(fds[1 - i].fd, buf, static_cast<size_t>(n),
                             MSG_NOSIGNAL) != n) {
          done = true;
        }
      }
      if (done) break;
    }
    std::lock_guard<std::mutex> lock(mu_);
    for (int fd : {a, b}) {
      ::shutdown(fd, SHUT_RDWR);
      ::close(fd);
      std::erase(open_fds_, fd);
    }
  }

  int upstream_port_;
  UniqueFd listener_;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<bool> cut_{false};
  std::mutex mu_;
  std::vector<int> open_fds_;
  std::vector<std::thread> pumps_;
  std::thread acceptor_;
};

}  // namespace staticship::scheduler::testing

#endif  // STATICSHIP_SERVICES_SCHEDULER_TESTING_ETCD_TCP_PROXY_H_
