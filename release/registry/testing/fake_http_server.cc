#include "release/registry/testing/fake_http_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>

#include <cstdlib>
#include <cstring>

#include "common/http/message.h"
#include "common/testing/ports.h"

namespace staticship::registry::testing {
namespace {

// Waits for fd or the stop pipe; false when stopping or on error.
bool WaitReadable(int fd, int stop_fd) {
  pollfd fds[2] = {{fd, POLLIN, 0}, {stop_fd, POLLIN, 0}};
  for (;;) {
    int r = ::poll(fds, 2, 10000);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    if (fds[1].revents != 0) return false;
    return true;
  }
}

}  // namespace

std::string FakeRequest::Header(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (strcasecmp(key.c_str(), name.c_str()) == 0) return value;
  }
  return "";
}

std::string FakeRequest::Query() const {
  size_t q = target.find('?');
  return q == std::string::npos ? "" : target.substr(q + 1);
}

FakeHttpServer::FakeHttpServer(Handler handler) : handler_(std::move(handler)) {
  Result<staticship::testing::Listener> listener =
      staticship::testing::ListenOnLoopback(64);
  // A test fixture that cannot listen cannot test anything.
  if (!listener.ok()) std::abort();
  listener_ = std::move(listener->fd);
  port_ = listener->port;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) std::abort();
  stop_read_.Reset(fds[0]);
  stop_write_.Reset(fds[1]);
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

FakeHttpServer::~FakeHttpServer() {
  stop_write_.Reset();  // EOF on the stop pipe wakes every poll
  acceptor_.join();
  for (std::thread& worker : workers_) worker.join();
}

std::vector<FakeRequest> FakeHttpServer::requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

void FakeHttpServer::AcceptLoop() {
  while (WaitReadable(listener_.get(), stop_read_.get())) {
    UniqueFd connection(
        ::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!connection.valid()) continue;
    workers_.emplace_back(
        [this, fd = connection.Release()] { Serve(UniqueFd(fd)); });
  }
}

void FakeHttpServer::Serve(UniqueFd connection) {
  std::string buf;
  char chunk[65536];
  for (;;) {
    size_t head_end;
    while ((head_end = buf.find("\r\n\r\n")) == std::string::npos) {
      if (!WaitReadable(connection.get(), stop_read_.get())) return;
      ssize_t n = ::recv(connection.get(), chunk, sizeof chunk, 0);
      if (n <= 0) return;
      buf.append(chunk, static_cast<size_t>(n));
      if (buf[0] < 'A' || buf[0] > 'Z') {
        // Not a request line (a TLS ClientHello, say): answer at once, as
        // nginx and Go's server do, instead of waiting for a blank line.
        constexpr char kBad[] =
            "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n"
            "Content-Length: 0\r\n\r\n";
        [[maybe_unused]] ssize_t w =
            ::send(connection.get(), kBad, sizeof(kBad) - 1, MSG_NOSIGNAL);
        return;
      }
    }
    FakeRequest request;
    std::string head = buf.substr(0, head_end);
    buf.erase(0, head_end + 4);
    size_t eol = head.find("\r\n");
    std::string line = head.substr(0, eol);
    size_t sp1 = line.find(' ');
    size_t sp2 = line.find(' ', sp1 + 1);
    request.method = line.substr(0, sp1);
    request.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    size_t pos = eol == std::string::npos ? head.size() : eol + 2;
    while (pos < head.size()) {
      size_t end = head.find("\r\n", pos);
      if (end == std::string::npos) end = head.size();
      std::string header = head.substr(pos, end - pos);
      size_t colon = header.find(':');
      if (colon != std::string::npos) {
        std::string value = header.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.erase(0, 1);
        request.headers.emplace_back(header.substr(0, colon), value);
      }
      pos = end + 2;
    }
    size_t length =
        std::strtoul(request.Header("Content-Length").c_str(), nullptr, 10);
    while (buf.size() < length) {
      if (!WaitReadable(connection.get(), stop_read_.get())) return;
      ssize_t n = ::recv(connection.get(), chunk, sizeof chunk, 0);
      if (n <= 0) return;
      buf.append(chunk, static_cast<size_t>(n));
    }
    request.body = buf.substr(0, length);
    buf.erase(0, length);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      requests_.push_back(request);
    }
    FakeResponse response = handler_(request);
    if (response.drop_without_answer) return;
    std::string out = "HTTP/1.1 " + std::to_string(response.status) + " " +
                      std::string(http::ReasonPhrase(response.status)) + "\r\n";
    for (const auto& [key, value] : response.headers) {
      out += key + ": " + value + "\r\n";
    }
    out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
    if (response.close_connection) out += "Connection: close\r\n";
    out += "\r\n";
    if (request.method != "HEAD") out += response.body;
    size_t sent = 0;
    while (sent < out.size()) {
      ssize_t n = ::send(connection.get(), out.data() + sent, out.size() - sent,
                         MSG_NOSIGNAL);
      if (n <= 0) return;
      sent += static_cast<size_t>(n);
    }
    if (response.close_connection) return;
  }
}

}  // namespace staticship::registry::testing
