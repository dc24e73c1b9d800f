#include "common/http/client.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/http/parser.h"

namespace staticship::http {
namespace {

using Clock = std::chrono::steady_clock;

// The tag keeps messages as they were for people and logs; callers decide
// on the code.
Error KindError(ErrorCode code, std::string_view tag, std::string message) {
  return MakeError(code, "[" + std::string(tag) + "] " + message);
}

Error Unavailable(std::string_view tag, std::string message) {
  return KindError(ErrorCode::kUnavailable, tag, std::move(message));
}

Error Timeout(std::string message) {
  return KindError(ErrorCode::kDeadlineExceeded, "timeout", std::move(message));
}

// Owns a socket until released into the pool.
class Socket {
 public:
  explicit Socket(int fd = -1) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int get() const { return fd_; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset(int fd) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

int MillisLeft(Clock::time_point deadline) {
  auto left =
      std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
  if (left.count() <= 0) return 0;
  return left.count() > 1000000 ? 1000000 : static_cast<int>(left.count());
}

// Waits for `events` on fd; false on timeout.
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

Result<int> Connect(const Url& url, Clock::time_point connect_deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* res = nullptr;
  std::string port = std::to_string(url.port);
  int rc = ::getaddrinfo(url.host.c_str(), port.c_str(), &hints, &res);
  if (rc != 0) {
    return Unavailable("resolve", url.host + ": " + ::gai_strerror(rc));
  }
  Error last = Unavailable("refused", "no address for " + url.host);
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    Socket s(::socket(ai->ai_family,
                      ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                      ai->ai_protocol));
    if (s.get() < 0) {
      last = MakeError(std::string("socket: ") + std::strerror(errno));
      continue;
    }
    int err = 0;
    if (::connect(s.get(), ai->ai_addr, ai->ai_addrlen) != 0) {
      err = errno;
      if (err == EINPROGRESS) {
        if (!WaitFor(s.get(), POLLOUT, connect_deadline)) {
          last = Timeout("connect to " + url.host + ":" + port);
          continue;
        }
        socklen_t len = sizeof(err);
        ::getsockopt(s.get(), SOL_SOCKET, SO_ERROR, &err, &len);
      }
    }
    if (err != 0) {
      std::string what =
          "connect to " + url.host + ":" + port + ": " + std::strerror(err);
      last = err == ECONNREFUSED ? Unavailable("refused", what)
             : err == ECONNRESET ? Unavailable("reset", what)
             : err == ETIMEDOUT  ? Timeout(what)
                                 : Unavailable("refused", what);
      continue;
    }
    int one = 1;
    ::setsockopt(s.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    ::freeaddrinfo(res);
    return s.release();
  }
  ::freeaddrinfo(res);
  return last;
}

Status SendAll(int fd, std::string_view data, Clock::time_point deadline) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!WaitFor(fd, POLLOUT, deadline)) {
        return Timeout("sending request");
      }
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return Unavailable("reset", std::string("send: ") + std::strerror(errno));
  }
  return Status::Ok();
}

// An idle pooled connection must have nothing to read: readable means the
// server closed it (EOF) or sent something unsolicited.
bool StillUsable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) == 0;
}

std::string HostHeader(const Url& url) {
  std::string host =
      url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  if (url.port != 80) host += ":" + std::to_string(url.port);
  return host;
}

}  // namespace

Result<Url> ParseUrl(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (url.substr(0, kScheme.size()) != kScheme) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "unsupported URL (only http://): " + std::string(url));
  }
  std::string_view rest = url.substr(kScheme.size());
  size_t slash = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, slash);
  Url out;
  out.target =
      slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (out.target.front() == '?') out.target.insert(0, "/");
  if (authority.empty())
    return MakeError(ErrorCode::kInvalidArgument,
                     "URL without host: " + std::string(url));
  std::string_view port;
  if (authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos)
      return MakeError(ErrorCode::kInvalidArgument, "bad IPv6 URL");
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':')
        return MakeError(ErrorCode::kInvalidArgument, "bad URL port");
      port = after.substr(1);
    }
  } else {
    size_t colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (out.host.empty())
    return MakeError(ErrorCode::kInvalidArgument,
                     "URL without host: " + std::string(url));
  if (!port.empty()) {
    unsigned value = 0;
    if (port.size() > 5)
      return MakeError(ErrorCode::kInvalidArgument, "bad URL port");
    for (char c : port) {
      if (c < '0' || c > '9')
        return MakeError(ErrorCode::kInvalidArgument, "bad URL port");
      value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value == 0 || value > 65535)
      return MakeError(ErrorCode::kInvalidArgument, "bad URL port");
    out.port = static_cast<uint16_t>(value);
  }
  return out;
}

std::string ResolveLocation(std::string_view base_url,
                            std::string_view location) {
  if (location.substr(0, 7) == "http://" ||
      location.substr(0, 8) == "https://") {
    return std::string(location);
  }
  size_t scheme_end = base_url.find("://");
  size_t path_start = scheme_end == std::string_view::npos
                          ? 0
                          : base_url.find('/', scheme_end + 3);
  std::string_view origin = base_url.substr(0, path_start);
  if (!location.empty() && location.front() == '/') {
    return std::string(origin) + std::string(location);
  }
  // Relative path: replace the last segment of the base path.
  std::string_view path = path_start == std::string_view::npos
                              ? std::string_view("/")
                              : base_url.substr(path_start);
  path = path.substr(0, path.find('?'));
  path = path.substr(0, path.rfind('/') + 1);
  return std::string(origin) + std::string(path) + std::string(location);
}

bool IsRetryable(const Error& error) {
  return error.code == ErrorCode::kUnavailable ||
         error.code == ErrorCode::kDeadlineExceeded;
}

Client::Client(ClientOptions options) : options_(std::move(options)) {}

Client::~Client() {
  for (auto& [key, fds] : idle_) {
    for (int fd : fds) ::close(fd);
  }
}

size_t Client::idle_connections() const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  for (const auto& [key, fds] : idle_) n += fds.size();
  return n;
}

int Client::TakeIdle(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = idle_.find(key);
  while (it != idle_.end() && !it->second.empty()) {
    int fd = it->second.back();
    it->second.pop_back();
    if (StillUsable(fd)) return fd;
    ::close(fd);
  }
  return -1;
}

void Client::ReturnIdle(const std::string& key, int fd) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<int>& fds = idle_[key];
  if (fds.size() >= options_.max_idle_per_host) {
    ::close(fd);
    return;
  }
  fds.push_back(fd);
}

Result<Response> Client::Send(const ClientRequest& request) {
  Result<Url> url = ParseUrl(request.url);
  if (!url.ok()) return url.error();
  bool retry_fresh = false;
  Result<Response> r = SendOnce(request, *url, true, &retry_fresh);
  if (!r.ok() && retry_fresh)
    return SendOnce(request, *url, false, &retry_fresh);
  return r;
}

Result<Response> Client::SendOnce(const ClientRequest& request, const Url& url,
                                  bool allow_reuse, bool* retry_fresh) {
  *retry_fresh = false;
  auto timeout =
      request.timeout.count() > 0 ? request.timeout : options_.timeout;
  Clock::time_point deadline = Clock::now() + timeout;
  std::string key = url.host + ":" + std::to_string(url.port);

  int reused_fd = allow_reuse ? TakeIdle(key) : -1;
  bool reused = reused_fd >= 0;
  Socket sock(reused_fd);
  if (!reused) {
    auto connect_deadline =
        std::min(deadline, Clock::now() + options_.connect_timeout);
    Result<int> fd = Connect(url, connect_deadline);
    if (!fd.ok()) return fd.error();
    sock.reset(*fd);
  }

  Request wire;
  wire.method = request.method;
  wire.target = url.target;
  wire.headers = request.headers;
  if (!wire.headers.Has("host")) wire.headers.Add("Host", HostHeader(url));
  if (!wire.headers.Has("user-agent") && !options_.user_agent.empty()) {
    wire.headers.Add("User-Agent", options_.user_agent);
  }
  std::string head;  // the body is sent from `request` without a copy
  AppendRequestHead(wire, request.body.size(), &head);
  Status sent = SendAll(sock.get(), head, deadline);
  if (sent.ok()) sent = SendAll(sock.get(), request.body, deadline);
  // A server may answer early (413, 401) and close while we still send; its
  // answer is then waiting in our receive buffer, so read before failing.
  bool send_failed = !sent.ok();

  ResponseParser parser(
      ParserLimits{.max_header_bytes = options_.max_response_header,
                   .max_body_bytes = options_.max_response_body});
  parser.ExpectResponseTo(request.method);
  bool got_bytes = false;
  char buf[64 * 1024];
  while (true) {
    ParseStatus s = parser.Next();
    if (s == ParseStatus::kComplete) {
      Response resp = parser.TakeMessage();
      if (resp.status >= 100 && resp.status < 200 && resp.status != 101) {
        continue;  // interim response; the final one follows
      }
      bool reusable = resp.keep_alive && parser.idle() &&
                      !HasToken(request.headers.Get("connection")
                                    ? *request.headers.Get("connection")
                                    : std::string_view(),
                                "close");
      if (reusable) ReturnIdle(key, sock.release());
      return resp;
    }
    if (s == ParseStatus::kError) {
      if (send_failed) return sent.error();
      return KindError(
          ErrorCode::kInternal, "protocol",
          "bad response from " + key + ": " + parser.error_detail());
    }
    if (!WaitFor(sock.get(), POLLIN, deadline)) {
      if (send_failed) return sent.error();
      return Timeout("waiting for response from " + key);
    }
    ssize_t n = ::recv(sock.get(), buf, sizeof(buf), 0);
    if (n > 0) {
      got_bytes = true;
      parser.Feed(std::string_view(buf, static_cast<size_t>(n)));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n < 0 && errno != ECONNRESET) {
      if (send_failed) return sent.error();
      return Unavailable("reset", std::string("recv: ") + std::strerror(errno));
    }
    // EOF (or reset): completes a close-delimited body, otherwise truncation.
    parser.FeedEof();
    if (parser.Next() == ParseStatus::kComplete) continue;
    *retry_fresh = reused && !got_bytes;
    if (send_failed) return sent.error();
    return Unavailable(
        "reset", "connection to " + key + " closed before a complete response");
  }
}

Result<Response> Client::Get(std::string_view url) {
  ClientRequest r;
  r.url = std::string(url);
  return Send(r);
}

Result<Response> Client::Post(std::string_view url, std::string body,
                              std::string_view content_type) {
  ClientRequest r;
  r.method = "POST";
  r.url = std::string(url);
  r.body = std::move(body);
  r.headers.Add("Content-Type", std::string(content_type));
  return Send(r);
}

}  // namespace staticship::http
