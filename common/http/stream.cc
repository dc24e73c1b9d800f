#include "common/http/stream.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace staticship::http {
namespace {

int MillisLeft(Clock::time_point deadline) {
  auto left =
      std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
  if (left.count() <= 0) return 0;
  return left.count() > 1000000 ? 1000000 : static_cast<int>(left.count());
}

}  // namespace

Error TaggedError(ErrorCode code, std::string_view tag, std::string message) {
  return MakeError(code, "[" + std::string(tag) + "] " + message);
}

Error UnavailableError(std::string_view tag, std::string message) {
  return TaggedError(ErrorCode::kUnavailable, tag, std::move(message));
}

Error TimeoutError(std::string message) {
  return TaggedError(ErrorCode::kDeadlineExceeded, "timeout",
                     std::move(message));
}

bool WaitFor(int fd, short events, Clock::time_point deadline) {
  while (true) {
    int ms = MillisLeft(deadline);
    if (ms == 0) return false;
    pollfd p{fd, events, 0};
    int rc = ::poll(&p, 1, ms);
    if (rc > 0) return true;
    if (rc == 0) return false;
    if (errno != EINTR) return true;  // let the next syscall report it
  }
}

Result<UniqueFd> ConnectTcp(const std::string& host, uint16_t port_number,
                            Clock::time_point deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* res = nullptr;
  std::string port = std::to_string(port_number);
  int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &res);
  if (rc != 0) {
    return UnavailableError("resolve", host + ": " + ::gai_strerror(rc));
  }
  Error last = UnavailableError("refused", "no address for " + host);
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    UniqueFd s(::socket(ai->ai_family,
                        ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                        ai->ai_protocol));
    if (!s.valid()) {
      last = MakeError(std::string("socket: ") + std::strerror(errno));
      continue;
    }
    int err = 0;
    if (::connect(s.get(), ai->ai_addr, ai->ai_addrlen) != 0) {
      err = errno;
      if (err == EINPROGRESS) {
        if (!WaitFor(s.get(), POLLOUT, deadline)) {
          last = TimeoutError("connect to " + host + ":" + port);
          continue;
        }
        socklen_t len = sizeof(err);
        ::getsockopt(s.get(), SOL_SOCKET, SO_ERROR, &err, &len);
      }
    }
    if (err != 0) {
      std::string what =
          "connect to " + host + ":" + port + ": " + std::strerror(err);
      last = err == ECONNRESET  ? UnavailableError("reset", what)
             : err == ETIMEDOUT ? TimeoutError(what)
                                : UnavailableError("refused", what);
      continue;
    }
    int one = 1;
    ::setsockopt(s.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    ::freeaddrinfo(res);
    return s;
  }
  ::freeaddrinfo(res);
  return last;
}

bool Stream::IdleAndOpen() const {
  pollfd p{fd(), POLLIN, 0};
  return ::poll(&p, 1, 0) == 0;
}

Status PlainStream::WriteAll(std::string_view data,
                             Clock::time_point deadline) {
  while (!data.empty()) {
    ssize_t n = ::send(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!WaitFor(fd_.get(), POLLOUT, deadline)) {
        return TimeoutError("sending request");
      }
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return UnavailableError("reset",
                            std::string("send: ") + std::strerror(errno));
  }
  return Status::Ok();
}

Result<size_t> PlainStream::Read(char* buf, size_t size,
                                 Clock::time_point deadline) {
  while (true) {
    if (!WaitFor(fd_.get(), POLLIN, deadline)) {
      return TimeoutError("waiting to read");
    }
    ssize_t n = ::recv(fd_.get(), buf, size, 0);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno == EAGAIN || errno == EINTR) continue;
    if (errno == ECONNRESET) return size_t{0};
    return UnavailableError("reset",
                            std::string("recv: ") + std::strerror(errno));
  }
}

}  // namespace staticship::http
