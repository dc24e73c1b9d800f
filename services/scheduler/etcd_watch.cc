#include "services/scheduler/etcd_watch.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <nlohmann/json.hpp>

#include "common/http/client.h"
#include "common/http/message.h"
#include "services/scheduler/etcd_codec.h"

namespace staticship::scheduler::etcd {
namespace {

// A watch line carries at most one etcd response (bounded by etcd's own
// request limits); anything far larger is a broken stream.
constexpr size_t kMaxBufferedBytes = 64u << 20;
constexpr size_t kMaxHeadBytes = 64u << 10;

Result<int> ConnectTo(const http::Url& url, std::chrono::milliseconds timeout) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  std::string port = std::to_string(url.port);
  if (int rc = ::getaddrinfo(url.host.c_str(), port.c_str(), &hints, &found);
      rc != 0) {
    return MakeError(ErrorCode::kUnavailable,
                     "[resolve] " + url.host + ": " + gai_strerror(rc));
  }
  std::string last = "no address";
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    int fd =
        ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                 a->ai_protocol);
    if (fd < 0) continue;
    int rc = ::connect(fd, a->ai_addr, a->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      rc = ::poll(&p, 1, static_cast<int>(timeout.count()));
      int err = rc == 1 ? 0 : ETIMEDOUT;
      socklen_t len = sizeof(err);
      if (rc == 1) ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) {
        errno = err;
        rc = -1;
      } else {
        rc = 0;
      }
    }
    if (rc == 0) {
      ::freeaddrinfo(found);
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      return fd;
    }
    last = std::strerror(errno);
    ::close(fd);
  }
  ::freeaddrinfo(found);
  return MakeError(ErrorCode::kUnavailable,
                   "[refused] " + url.host + ":" + port + ": " + last);
}

Status SendAll(int fd, std::string_view bytes,
               std::chrono::milliseconds timeout) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n > 0) {
      bytes.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd, POLLOUT, 0};
      if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) {
        return MakeError(ErrorCode::kDeadlineExceeded,
                         "[timeout] sending the watch request");
      }
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return MakeError(ErrorCode::kUnavailable,
                     std::string("[reset] ") + std::strerror(errno));
  }
  return Status::Ok();
}

}  // namespace

Status ChunkedLineReader::Decode() {
  size_t pos = 0;
  while (pos < raw_.size() && !finished_) {
    if (in_chunk_) {
      size_t take = std::min(chunk_left_, raw_.size() - pos);
      decoded_.append(raw_, pos, take);
      pos += take;
      chunk_left_ -= take;
      if (chunk_left_ > 0) break;
      // The CRLF that ends the chunk data.
      if (raw_.size() - pos < 2) break;
      if (raw_.compare(pos, 2, "\r\n") != 0) {
        return MakeError(ErrorCode::kInternal,
                         "[protocol] watch: bad chunk end");
      }
      pos += 2;
      in_chunk_ = false;
      continue;
    }
    size_t eol = raw_.find("\r\n", pos);
    if (eol == std::string::npos) {
      if (raw_.size() - pos > 1024) {
        return MakeError(ErrorCode::kInternal,
                         "[protocol] watch: chunk size line too long");
      }
      break;
    }
    size_t size = 0;
    const char* begin = raw_.data() + pos;
    const char* end = raw_.data() + eol;
    auto [ptr, ec] = std::from_chars(begin, end, size, 16);
    if (ec != std::errc() || ptr == begin || (ptr != end && *ptr != ';')) {
      return MakeError(ErrorCode::kInternal,
                       "[protocol] watch: bad chunk size");
    }
    pos = eol + 2;
    if (size == 0) {
      finished_ = true;  // the server ended the watch
      break;
    }
    chunk_left_ = size;
    in_chunk_ = true;
  }
  raw_.erase(0, pos);
  if (decoded_.size() + raw_.size() > kMaxBufferedBytes) {
    return MakeError(ErrorCode::kInternal, "[protocol] watch: line too long");
  }
  return Status::Ok();
}

Result<std::string> ChunkedLineReader::NextLine() {
  for (;;) {
    size_t nl = decoded_.find('\n');
    if (nl != std::string::npos) {
      std::string line = decoded_.substr(0, nl);
      decoded_.erase(0, nl + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) continue;
      return line;
    }
    if (finished_)
      return MakeError(ErrorCode::kUnavailable, "[reset] watch stream ended");
    size_t before = raw_.size();
    if (Status s = Decode(); !s.ok()) return s.error();
    if (raw_.size() == before || decoded_.find('\n') == std::string::npos) {
      if (finished_) continue;
      return std::string();
    }
  }
}

EtcdWatch::~EtcdWatch() { Close(); }

void EtcdWatch::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  head_done_ = false;
  head_.clear();
  body_ = ChunkedLineReader();
}

Status EtcdWatch::Open(const std::string& endpoint, std::string_view prefix,
                       int64_t start_revision,
                       std::chrono::milliseconds connect_timeout) {
  Close();
  auto url = http::ParseUrl(endpoint);
  if (!url.ok()) return url.error();
  auto fd = ConnectTo(*url, connect_timeout);
  if (!fd.ok()) return fd.error();
  fd_ = *fd;
  nlohmann::json create = {{"key", Base64Encode(prefix)},
                           {"range_end", Base64Encode(PrefixRangeEnd(prefix))}};
  if (start_revision > 0) {
    create["start_revision"] = std::to_string(start_revision);
  }
  std::string body = nlohmann::json({{"create_request", create}}).dump();
  std::string host = url->host.find(':') != std::string::npos
                         ? "[" + url->host + "]"
                         : url->host;
  std::string request = "POST /v3/watch HTTP/1.1\r\nHost: " + host + ":" +
                        std::to_string(url->port) +
                        "\r\nContent-Type: application/json\r\n"
                        "Content-Length: " +
                        std::to_string(body.size()) + "\r\n\r\n" + body;
  if (Status s = SendAll(fd_, request, connect_timeout); !s.ok()) {
    Close();
    return s;
  }
  return Status::Ok();
}

Result<std::string> EtcdWatch::Next(std::chrono::milliseconds poll_interval) {
  if (fd_ < 0)
    return MakeError(ErrorCode::kUnavailable, "[reset] watch is not open");
  for (;;) {
    if (head_done_) {
      auto line = body_.NextLine();
      if (!line.ok() || !line->empty()) return line;
    }
    pollfd p{fd_, POLLIN, 0};
    int rc = ::poll(&p, 1, static_cast<int>(poll_interval.count()));
    if (rc == 0) return std::string();
    if (rc < 0) {
      if (errno == EINTR) continue;
      return MakeError(ErrorCode::kUnavailable,
                       std::string("[reset] poll: ") + std::strerror(errno));
    }
    char buf[16384];
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n <= 0) {
      return MakeError(ErrorCode::kUnavailable,
                       n == 0 ? "[reset] etcd closed the watch"
                              : std::string("[reset] ") + std::strerror(errno));
    }
    std::string_view bytes(buf, static_cast<size_t>(n));
    if (head_done_) {
      body_.Feed(bytes);
      continue;
    }
    head_.append(bytes);
    size_t end = head_.find("\r\n\r\n");
    if (end == std::string::npos) {
      if (head_.size() > kMaxHeadBytes) {
        return MakeError(ErrorCode::kInternal,
                         "[protocol] watch: response head too large");
      }
      continue;
    }
    // Only the status line and the framing matter for a watch.
    std::string_view head(head_.data(), end);
    if (head.rfind("HTTP/1.1 200", 0) != 0 &&
        head.rfind("HTTP/1.0 200", 0) != 0) {
      return MakeError(ErrorCode::kInternal,
                       "[protocol] watch refused: " +
                           std::string(head.substr(0, head.find('\r'))));
    }
    bool chunked = false;
    size_t line_start = head.find("\r\n");
    while (line_start != std::string_view::npos) {
      line_start += 2;
      size_t line_end = head.find("\r\n", line_start);
      std::string_view line =
          head.substr(line_start, line_end == std::string_view::npos
                                      ? std::string_view::npos
                                      : line_end - line_start);
      size_t colon = line.find(':');
      if (colon != std::string_view::npos &&
          http::EqualsIgnoreCase(line.substr(0, colon), "Transfer-Encoding") &&
          http::HasToken(line.substr(colon + 1), "chunked")) {
        chunked = true;
      }
      line_start = line_end;
    }
    if (!chunked) {
      return MakeError(ErrorCode::kInternal,
                       "[protocol] watch: response is not chunked");
    }
    body_.Feed(std::string_view(head_).substr(end + 4));
    head_done_ = true;
    head_.clear();
  }
}

}  // namespace staticship::scheduler::etcd
