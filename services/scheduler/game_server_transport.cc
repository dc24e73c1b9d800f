#include "services/scheduler/game_server_transport.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/http/event_loop.h"
#include "common/http/parser.h"

namespace staticship::scheduler {
namespace {

using SteadyClock = std::chrono::steady_clock;

// Game-server answers are stored with the task; keep them bounded.
constexpr size_t kMaxResponseBody = 1 << 20;
constexpr char kUserAgent[] = "staticship-scheduler";

http::ClientOptions Options(int max_idle_per_host) {
  http::ClientOptions options;
  options.max_idle_per_host = static_cast<size_t>(max_idle_per_host);
  options.user_agent = kUserAgent;
  options.max_response_body = kMaxResponseBody;
  return options;
}

int64_t MicrosSince(SteadyClock::time_point start) {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             SteadyClock::now() - start)
      .count();
}

DispatchOutcome Failure(DispatchOutcome::Kind kind, const std::string& endpoint,
                        const std::string& what) {
  DispatchOutcome outcome;
  outcome.kind = kind;
  outcome.error = endpoint + ": " + what;
  return outcome;
}

}  // namespace

// Every exchange runs on one event-loop thread with non-blocking sockets, so
// 200 dispatches in flight cost 200 sockets, not 200 threads that each wake
// up (and context-switch) twice per task. Conn and the pools are touched by
// the loop thread only.
class HttpTransport::AsyncClient {
 public:
  static std::unique_ptr<AsyncClient> Start(size_t max_idle_per_host) {
    auto loop = http::EventLoop::Create();
    if (!loop.ok()) return nullptr;
    std::unique_ptr<AsyncClient> client(
        new AsyncClient(std::move(loop).value(), max_idle_per_host));
    client->thread_ = std::thread([c = client.get()] { c->loop_->Run(); });
    return client;
  }

  ~AsyncClient() {
    loop_->Quit();
    if (thread_.joinable()) thread_.join();
    // The loop no longer runs: exchanges still open are abandoned (shutdown
    // only; their tasks are `running` on disk and dispatched again).
    for (auto& [ptr, conn] : conns_) ::close(conn->fd);
  }

  // Any thread.
  void Send(DispatchRequest request, SendDone done) {
    auto ex = std::make_shared<Exchange>();
    ex->start = SteadyClock::now();
    ex->deadline = ex->start + request.timeout;
    http::Request head;
    head.method = "POST";
    head.target = request.path.empty() ? "/" : request.path;
    head.headers.Add("Host", request.endpoint);
    head.headers.Add("User-Agent", kUserAgent);
    head.headers.Add("X-Task-Id", request.task_id);
    head.headers.Add("Content-Type", "application/json");
    ex->wire.reserve(request.body.size() + 256);
    http::AppendRequestHead(head, request.body.size(), &ex->wire);
    ex->wire += request.body;
    ex->request = std::move(request);
    ex->done = std::move(done);
    if (!loop_->Post([this, ex] { Begin(ex, /*allow_reuse=*/true); })) {
      DispatchOutcome outcome =
          Failure(DispatchOutcome::Kind::kConnectError, ex->request.endpoint,
                  "[reset] transport stopped");
      ex->done(std::move(outcome));
    }
  }

 private:
  struct Exchange {
    DispatchRequest request;
    std::string wire;
    SendDone done;
    SteadyClock::time_point start;
    SteadyClock::time_point deadline;
    bool retried = false;
  };

  struct Conn {
    int fd = -1;
    uint64_t watch = 0;
    uint32_t events = 0;
    uint64_t timer = 0;
    std::string endpoint;
    bool connecting = false;
    bool reused = false;
    bool got_bytes = false;
    bool idle = false;
    size_t written = 0;
    http::ResponseParser parser{
        {.max_header_bytes = 64 * 1024, .max_body_bytes = kMaxResponseBody}};
    std::shared_ptr<Exchange> exchange;  // null while idle
  };

  struct Address {
    sockaddr_storage addr;
    socklen_t len = 0;
  };

  AsyncClient(std::unique_ptr<http::EventLoop> loop, size_t max_idle)
      : loop_(std::move(loop)), max_idle_(max_idle) {}

  Result<Address> Resolve(const std::string& endpoint) {
    if (auto it = addrs_.find(endpoint); it != addrs_.end()) return it->second;
    size_t colon = endpoint.rfind(':');
    if (colon == std::string::npos) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "[resolve] endpoint without a port");
    }
    std::string host = endpoint.substr(0, colon);
    std::string port = endpoint.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
      host = host.substr(1, host.size() - 2);
    }
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* res = nullptr;
    // Zones name numeric addresses in practice; a name is looked up once
    // (blocking this loop briefly) and cached for the process lifetime.
    if (int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &res);
        rc != 0) {
      return MakeError(ErrorCode::kUnavailable,
                       "[resolve] " + host + ": " + ::gai_strerror(rc));
    }
    Address a;
    std::memcpy(&a.addr, res->ai_addr, res->ai_addrlen);
    a.len = static_cast<socklen_t>(res->ai_addrlen);
    ::freeaddrinfo(res);
    addrs_.emplace(endpoint, a);
    return a;
  }

  Result<Conn*> Open(const std::string& endpoint) {
    auto addr = Resolve(endpoint);
    if (!addr.ok()) return addr.error();
    int fd = ::socket(addr->addr.ss_family,
                      SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
      return MakeError(std::string("socket: ") + std::strerror(errno));
    bool connecting = false;
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr->addr),
                  addr->len) != 0) {
      if (errno != EINPROGRESS) {
        int err = errno;
        ::close(fd);
        return MakeError(
            ErrorCode::kUnavailable,
            std::string("[refused] connect: ") + std::strerror(err));
      }
      connecting = true;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    auto conn = std::make_unique<Conn>();
    Conn* c = conn.get();
    c->fd = fd;
    c->endpoint = endpoint;
    c->connecting = connecting;
    c->events = EPOLLOUT;
    auto watch =
        loop_->Watch(fd, EPOLLOUT, [this, c](uint32_t ev) { OnEvent(c, ev); });
    if (!watch.ok()) {
      ::close(fd);
      return watch.error();
    }
    c->watch = *watch;
    conns_.emplace(c, std::move(conn));
    return c;
  }

  Conn* TakeIdle(const std::string& endpoint) {
    auto it = idle_.find(endpoint);
    if (it == idle_.end() || it->second.empty()) return nullptr;
    Conn* c = it->second.back();
    it->second.pop_back();
    c->idle = false;
    c->reused = true;
    return c;
  }

  void Begin(std::shared_ptr<Exchange> ex, bool allow_reuse) {
    Conn* c = allow_reuse ? TakeIdle(ex->request.endpoint) : nullptr;
    if (c == nullptr) {
      auto opened = Open(ex->request.endpoint);
      if (!opened.ok()) {
        DispatchOutcome outcome =
            Failure(DispatchOutcome::Kind::kConnectError, ex->request.endpoint,
                    opened.message());
        return Finish(std::move(ex), std::move(outcome));
      }
      c = *opened;
    }
    c->exchange = std::move(ex);
    c->written = 0;
    c->got_bytes = false;
    c->parser.ExpectResponseTo("POST");
    auto left = std::max<SteadyClock::duration>(
        SteadyClock::duration::zero(),
        c->exchange->deadline - SteadyClock::now());
    c->timer = loop_->RunAfter(left, [this, c] {
      c->timer = 0;
      Fail(c, DispatchOutcome::Kind::kTimeout,
           "[timeout] no complete answer within " +
               std::to_string(c->exchange->request.timeout.count()) + " ms",
           /*may_retry=*/false);
    });
    (void)loop_->SetCallback(c->watch,
                             [this, c](uint32_t ev) { OnEvent(c, ev); });
    if (!c->connecting) Write(c);
  }

  void SetEvents(Conn* c, uint32_t events) {
    if (c->events == events) return;
    c->events = events;
    // Fails only for an unknown watch, which a live Conn never has.
    (void)loop_->Modify(c->watch, events);
  }

  void OnEvent(Conn* c, uint32_t events) {
    if (c->connecting) {
      int err = 0;
      socklen_t len = sizeof(err);
      ::getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err == 0 && (events & (EPOLLERR | EPOLLHUP))) err = ECONNREFUSED;
      if (err != 0) {
        return Fail(c, DispatchOutcome::Kind::kConnectError,
                    std::string("[refused] connect: ") + std::strerror(err),
                    /*may_retry=*/false);
      }
      c->connecting = false;
    }
    if (c->written < c->exchange->wire.size()) return Write(c);
    Read(c);
  }

  void Write(Conn* c) {
    const std::string& wire = c->exchange->wire;
    while (c->written < wire.size()) {
      ssize_t n = ::send(c->fd, wire.data() + c->written,
                         wire.size() - c->written, MSG_NOSIGNAL);
      if (n > 0) {
        c->written += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        return SetEvents(c, EPOLLOUT);
      }
      return Fail(c, DispatchOutcome::Kind::kConnectError,
                  std::string("[reset] send: ") + std::strerror(errno),
                  /*may_retry=*/true);
    }
    SetEvents(c, EPOLLIN);
  }

  void Read(Conn* c) {
    char buf[16384];
    bool eof = false;
    for (;;) {
      ssize_t n = ::recv(c->fd, buf, sizeof(buf), 0);
      if (n > 0) {
        c->got_bytes = true;
        c->parser.Feed(std::string_view(buf, static_cast<size_t>(n)));
        if (static_cast<size_t>(n) < sizeof(buf)) break;
        continue;
      }
      if (n == 0) {
        eof = true;
        break;
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      return Fail(c, DispatchOutcome::Kind::kConnectError,
                  std::string("[reset] recv: ") + std::strerror(errno),
                  /*may_retry=*/!c->got_bytes);
    }
    http::ParseStatus status = c->parser.Next();
    if (status == http::ParseStatus::kNeedMore && eof) {
      c->parser.FeedEof();
      status = c->parser.Next();
    }
    if (status == http::ParseStatus::kComplete) {
      http::Response response = c->parser.TakeMessage();
      return Succeed(c, std::move(response), /*reusable=*/!eof);
    }
    if (status == http::ParseStatus::kError) {
      return Fail(c, DispatchOutcome::Kind::kConnectError,
                  "[protocol] bad response: " +
                      std::string(http::ParseErrorName(c->parser.error())),
                  /*may_retry=*/false);
    }
    if (eof) {
      return Fail(c, DispatchOutcome::Kind::kConnectError,
                  "[reset] connection closed before a complete response",
                  /*may_retry=*/!c->got_bytes);
    }
  }

  void Succeed(Conn* c, http::Response response, bool reusable) {
    std::shared_ptr<Exchange> ex = std::move(c->exchange);
    DispatchOutcome outcome;
    outcome.kind = DispatchOutcome::Kind::kResponse;
    outcome.status = response.status;
    outcome.body = std::move(response.body);
    std::vector<Conn*>& pool = idle_[c->endpoint];
    if (reusable && response.keep_alive && pool.size() < max_idle_) {
      loop_->Cancel(c->timer);
      c->timer = 0;
      c->idle = true;
      // An idle connection has nothing to read: any event is the server
      // closing it (or misbehaving), so drop it.
      // Cannot fail: the watch exists.
      (void)loop_->SetCallback(c->watch, [this, c](uint32_t) { Close(c); });
      SetEvents(c, EPOLLIN);
      pool.push_back(c);
    } else {
      Close(c);
    }
    Finish(std::move(ex), std::move(outcome));
  }

  // Closes `c` and ends its exchange, unless the failure hit a reused
  // connection before any answer: the server may have closed it just as we
  // sent, so the request gets one fresh connection (like every HTTP client).
  void Fail(Conn* c, DispatchOutcome::Kind kind, const std::string& what,
            bool may_retry) {
    std::shared_ptr<Exchange> ex = std::move(c->exchange);
    bool retry = may_retry && c->reused && !ex->retried;
    std::string endpoint = c->endpoint;
    Close(c);
    if (retry) {
      ex->retried = true;
      return Begin(std::move(ex), /*allow_reuse=*/false);
    }
    Finish(std::move(ex), Failure(kind, endpoint, what));
  }

  void Close(Conn* c) {
    if (c->timer != 0) loop_->Cancel(c->timer);
    loop_->Unwatch(c->watch);
    ::close(c->fd);
    if (c->idle) {
      std::vector<Conn*>& pool = idle_[c->endpoint];
      pool.erase(std::remove(pool.begin(), pool.end(), c), pool.end());
    }
    conns_.erase(c);  // destroys *c
  }

  static void Finish(std::shared_ptr<Exchange> ex, DispatchOutcome outcome) {
    outcome.duration_us = MicrosSince(ex->start);
    ex->done(std::move(outcome));
  }

  std::unique_ptr<http::EventLoop> loop_;
  const size_t max_idle_;
  std::thread thread_;
  // Loop thread only.
  std::unordered_map<Conn*, std::unique_ptr<Conn>> conns_;
  std::unordered_map<std::string, std::vector<Conn*>> idle_;
  std::unordered_map<std::string, Address> addrs_;
};

HttpTransport::HttpTransport(int max_idle_per_host)
    : client_(Options(max_idle_per_host)),
      async_(AsyncClient::Start(
          static_cast<size_t>(std::max(1, max_idle_per_host)))) {}

HttpTransport::~HttpTransport() = default;

void HttpTransport::SendAsync(DispatchRequest request, SendDone done) {
  if (!async_) return done(Send(request));
  async_->Send(std::move(request), std::move(done));
}

DispatchOutcome HttpTransport::Send(const DispatchRequest& request) {
  auto start = SteadyClock::now();
  http::ClientRequest req;
  req.method = "POST";
  req.url = "http://" + request.endpoint + request.path;
  req.headers.Add("X-Task-Id", request.task_id);
  req.headers.Add("Content-Type", "application/json");
  req.body = request.body;
  req.timeout = request.timeout;
  auto response = client_.Send(req);

  DispatchOutcome outcome;
  outcome.duration_us = MicrosSince(start);
  if (response.ok()) {
    outcome.kind = DispatchOutcome::Kind::kResponse;
    outcome.status = response->status;
    outcome.body = std::move(response->body);
    return outcome;
  }
  outcome.error = request.endpoint + ": " + response.message();
  outcome.kind = response.code() == ErrorCode::kDeadlineExceeded
                     ? DispatchOutcome::Kind::kTimeout
                     : DispatchOutcome::Kind::kConnectError;
  return outcome;
}

}  // namespace staticship::scheduler
