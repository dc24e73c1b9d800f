// Test helper: a blocking loopback TCP connection that sends raw bytes and
// reads parsed responses, for driving servers with malformed or pipelined
// input that a real client would never produce. Every read has a timeout so
// a wedged server fails the test instead of hanging it.
#ifndef STATICSHIP_COMMON_HTTP_TESTING_RAW_CONNECTION_H_
#define STATICSHIP_COMMON_HTTP_TESTING_RAW_CONNECTION_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/http/parser.h"

namespace staticship::http::testing {

class RawConnection {
 public:
  explicit RawConnection(uint16_t port, const char* ip = "127.0.0.1") {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    ::inet_pton(AF_INET, ip, &addr.sin_addr);
    connected_ =
        ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~RawConnection() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return connected_; }

  bool Send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  void ShutdownWrite() { ::shutdown(fd_, SHUT_WR); }

  // Next response, or nullopt on timeout, EOF or a parse error.
  std::optional<Response> ReadResponse(
      std::string_view method = "GET",
      std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
    parser_.ExpectResponseTo(method);
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      ParseStatus s = parser_.Next();
      if (s == ParseStatus::kComplete) return parser_.TakeMessage();
      if (s == ParseStatus::kError || eof_) return std::nullopt;
      if (!ReadSome(deadline)) return std::nullopt;
    }
  }

  // True when the server closes the connection (EOF or reset) before the
  // timeout, having sent nothing more.
  bool WaitForClose(
      std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!eof_) {
      if (!ReadSome(deadline)) return eof_;
    }
    return parser_.buffered() == 0;
  }

 private:
  bool ReadSome(std::chrono::steady_clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[16384];
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) {
      eof_ = true;
      parser_.FeedEof();
      return true;
    }
    parser_.Feed(std::string_view(buf, static_cast<size_t>(n)));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  bool eof_ = false;
  ResponseParser parser_;
};

}  // namespace staticship::http::testing

#endif  // STATICSHIP_COMMON_HTTP_TESTING_RAW_CONNECTION_H_
