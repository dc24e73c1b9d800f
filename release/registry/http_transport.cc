#include "release/registry/http_transport.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace staticship::registry {
namespace {

using Clock = std::chrono::steady_clock;

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

int RemainingMs(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - Clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

Status WaitFor(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    int r = ::poll(&p, 1, RemainingMs(deadline));
    if (r > 0) return Status::Ok();
    if (r == 0) return MakeError("timed out");
    if (errno != EINTR)
      return MakeError(std::string("poll: ") + strerror(errno));
  }
}

Result<UniqueFd> Connect(const Url& url, Clock::time_point deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  std::string port = std::to_string(url.port);
  int rc = ::getaddrinfo(url.host.c_str(), port.c_str(), &hints, &list);
  if (rc != 0) {
    return MakeError("cannot resolve " + url.host + ": " + gai_strerror(rc));
  }
  std::string last_error = "no address";
  for (addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    UniqueFd fd(::socket(ai->ai_family,
                         ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                         ai->ai_protocol));
    if (!fd.valid()) {
      last_error = strerror(errno);
      continue;
    }
    int one = 1;
    ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd.get(), ai->ai_addr, ai->ai_addrlen) != 0) {
      if (errno != EINPROGRESS) {
        last_error = strerror(errno);
        continue;
      }
      Status waited = WaitFor(fd.get(), POLLOUT, deadline);
      if (!waited.ok()) {
        last_error = "connect " + waited.message();
        continue;
      }
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) {
        last_error = strerror(err);
        continue;
      }
    }
    ::freeaddrinfo(list);
    return fd;
  }
  ::freeaddrinfo(list);
  return MakeError("cannot connect to " + url.Authority() + ": " + last_error);
}

Status SendAll(int fd, std::string_view head, std::string_view body,
               Clock::time_point deadline) {
  size_t done = 0;
  const size_t total = head.size() + body.size();
  while (done < total) {
    iovec iov[2];
    int n = 0;
    if (done < head.size()) {
      iov[n++] = {const_cast<char*>(head.data() + done), head.size() - done};
      if (!body.empty()) {
        iov[n++] = {const_cast<char*>(body.data()), body.size()};
      }
    } else {
      size_t off = done - head.size();
      iov[n++] = {const_cast<char*>(body.data() + off), body.size() - off};
    }
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = static_cast<decltype(msg.msg_iovlen)>(n);
    ssize_t w = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
    if (w > 0) {
      done += static_cast<size_t>(w);
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      Status s = WaitFor(fd, POLLOUT, deadline);
      if (!s.ok()) return MakeError("send " + s.message());
      continue;
    }
    return MakeError(std::string("send: ") + strerror(errno));
  }
  return Status::Ok();
}

// Reads more bytes into buf; returns 0 at end of stream.
Result<size_t> ReadMore(int fd, std::string& buf, Clock::time_point deadline) {
  char chunk[65536];
  for (;;) {
    ssize_t r = ::recv(fd, chunk, sizeof chunk, 0);
    if (r >= 0) {
      buf.append(chunk, static_cast<size_t>(r));
      return static_cast<size_t>(r);
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      Status s = WaitFor(fd, POLLIN, deadline);
      if (!s.ok()) return MakeError("read " + s.message());
      continue;
    }
    return MakeError(std::string("read: ") + strerror(errno));
  }
}

Result<size_t> ParseSize(std::string_view text, int base) {
  size_t value = 0;
  auto [ptr, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (ec != std::errc() || ptr == text.data()) {
    return MakeError("bad length in HTTP response");
  }
  return value;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

bool IsIdempotent(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "PUT" ||
         method == "DELETE";
}

}  // namespace

const std::string* FindHeader(const HeaderList& headers,
                              std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return &value;
  }
  return nullptr;
}

Result<HttpResponse> SocketTransport::Send(const HttpRequest& request,
                                           std::chrono::milliseconds timeout) {
  if (request.url.scheme != "http") {
    return MakeError(
        "https is not supported by this client (no TLS in the "
        "static build): use a plain-http registry");
  }
  const Clock::time_point deadline = Clock::now() + timeout;
  const std::string key = request.url.Authority();
  auto idle = idle_.find(key);
  if (idle != idle_.end()) {
    UniqueFd fd = std::move(idle->second);
    idle_.erase(idle);
    Result<HttpResponse> reused = SendOnce(request, fd, deadline);
    // A kept-alive socket the server closed in the meantime fails before any
    // answer; trying once more on a fresh socket is what every client does.
    if (reused.ok() || !IsIdempotent(request.method)) {
      if (reused.ok() && fd.valid()) idle_[key] = std::move(fd);
      return reused;
    }
  }
  Result<UniqueFd> fresh = Connect(request.url, deadline);
  if (!fresh.ok()) return fresh.error();
  UniqueFd fd = std::move(fresh.value());
  Result<HttpResponse> response = SendOnce(request, fd, deadline);
  if (response.ok() && fd.valid()) idle_[key] = std::move(fd);
  return response;
}

Result<HttpResponse> SocketTransport::SendOnce(const HttpRequest& request,
                                               UniqueFd& fd,
                                               Clock::time_point deadline) {
  std::string head =
      request.method + " " + request.url.target + " HTTP/1.1\r\n";
  head += "Host: " + request.url.Authority() + "\r\n";
  bool has_length = false;
  for (const auto& [name, value] : request.headers) {
    if (EqualsIgnoreCase(name, "Content-Length")) has_length = true;
    head += name + ": " + value + "\r\n";
  }
  if (!has_length && (!request.body.empty() || request.method == "POST" ||
                      request.method == "PUT" || request.method == "PATCH")) {
    head += "Content-Length: " + std::to_string(request.body.size()) + "\r\n";
  }
  head += "\r\n";
  Status sent = SendAll(fd.get(), head, request.body, deadline);
  if (!sent.ok()) {
    fd.Reset();
    return MakeError(request.method + " " + request.url.ToString() + ": " +
                     sent.message());
  }

  std::string buf;
  size_t header_end;
  while ((header_end = buf.find("\r\n\r\n")) == std::string::npos) {
    if (buf.size() > 256 * 1024) {
      fd.Reset();
      return MakeError("HTTP response header too large");
    }
    Result<size_t> n = ReadMore(fd.get(), buf, deadline);
    if (!n.ok() || *n == 0) {
      fd.Reset();
      return MakeError(
          request.method + " " + request.url.ToString() + ": " +
          (n.ok() ? std::string("connection closed by peer") : n.message()));
    }
  }
  HttpResponse response;
  std::string_view header_block(buf.data(), header_end);
  size_t line_end = header_block.find("\r\n");
  std::string_view status_line = header_block.substr(0, line_end);
  if (!status_line.starts_with("HTTP/1.") || status_line.size() < 12) {
    fd.Reset();
    return MakeError("malformed HTTP status line");
  }
  bool http10 = status_line[7] == '0';
  Result<size_t> status = ParseSize(status_line.substr(9, 3), 10);
  if (!status.ok()) {
    fd.Reset();
    return status.error();
  }
  response.status = static_cast<int>(*status);
  std::string_view rest = line_end == std::string_view::npos
                              ? ""
                              : header_block.substr(line_end + 2);
  while (!rest.empty()) {
    size_t eol = rest.find("\r\n");
    std::string_view line = rest.substr(0, eol);
    rest = eol == std::string_view::npos ? "" : rest.substr(eol + 2);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    response.headers.emplace_back(std::string(Trim(line.substr(0, colon))),
                                  std::string(Trim(line.substr(colon + 1))));
  }
  buf.erase(0, header_end + 4);

  bool keep_alive = !http10;
  if (const std::string* c = response.Header("Connection")) {
    if (EqualsIgnoreCase(*c, "close")) keep_alive = false;
    if (EqualsIgnoreCase(*c, "keep-alive")) keep_alive = true;
  }
  const bool no_body = request.method == "HEAD" || response.status == 204 ||
                       response.status == 304 ||
                       (response.status >= 100 && response.status < 200);
  const std::string* te = response.Header("Transfer-Encoding");
  const std::string* cl = response.Header("Content-Length");
  if (no_body) {
    // nothing to read
  } else if (te != nullptr && EqualsIgnoreCase(*te, "chunked")) {
    size_t pos = 0;
    for (;;) {
      size_t eol;
      while ((eol = buf.find("\r\n", pos)) == std::string::npos) {
        Result<size_t> n = ReadMore(fd.get(), buf, deadline);
        if (!n.ok() || *n == 0) {
          fd.Reset();
          return MakeError("truncated chunked HTTP body");
        }
      }
      std::string_view size_text(buf.data() + pos, eol - pos);
      size_text = size_text.substr(0, size_text.find(';'));
      Result<size_t> size = ParseSize(Trim(size_text), 16);
      if (!size.ok()) {
        fd.Reset();
        return size.error();
      }
      pos = eol + 2;
      if (*size == 0) {
        // Trailers end with an empty line.
        for (;;) {
          while ((eol = buf.find("\r\n", pos)) == std::string::npos) {
            Result<size_t> n = ReadMore(fd.get(), buf, deadline);
            if (!n.ok() || *n == 0) {
              fd.Reset();
              return MakeError("truncated chunked HTTP body");
            }
          }
          bool empty = eol == pos;
          pos = eol + 2;
          if (empty) break;
        }
        break;
      }
      while (buf.size() < pos + *size + 2) {
        Result<size_t> n = ReadMore(fd.get(), buf, deadline);
        if (!n.ok() || *n == 0) {
          fd.Reset();
          return MakeError("truncated chunked HTTP body");
        }
      }
      response.body.append(buf, pos, *size);
      pos += *size + 2;
    }
  } else if (cl != nullptr) {
    Result<size_t> length = ParseSize(Trim(*cl), 10);
    if (!length.ok()) {
      fd.Reset();
      return length.error();
    }
    while (buf.size() < *length) {
      Result<size_t> n = ReadMore(fd.get(), buf, deadline);
      if (!n.ok() || *n == 0) {
        fd.Reset();
        return MakeError("truncated HTTP body");
      }
    }
    response.body = buf.substr(0, *length);
  } else {
    for (;;) {
      Result<size_t> n = ReadMore(fd.get(), buf, deadline);
      if (!n.ok()) {
        fd.Reset();
        return n.error();
      }
      if (*n == 0) break;
    }
    response.body = std::move(buf);
    keep_alive = false;
  }
  if (!keep_alive) fd.Reset();
  return response;
}

}  // namespace staticship::registry
