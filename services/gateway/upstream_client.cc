#include "services/gateway/upstream_client.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "common/http/parser.h"
#include "services/gateway/endpoint_address.h"

namespace staticship::gateway {

std::string_view OutcomeName(UpstreamResult::Outcome outcome) {
  switch (outcome) {
    case UpstreamResult::Outcome::kOk:
      return "ok";
    case UpstreamResult::Outcome::kConnectError:
      return "connect";
    case UpstreamResult::Outcome::kTimeout:
      return "timeout";
    case UpstreamResult::Outcome::kReset:
      return "reset";
    case UpstreamResult::Outcome::kProtocol:
      return "protocol";
    case UpstreamResult::Outcome::kOverloaded:
      return "overloaded";
  }
  return "unknown";
}

struct UpstreamClient::Pool {
  std::string key;
  std::vector<Conn*> idle;
  size_t active = 0;  // slots held by exchanges (connecting or in use)
};

struct UpstreamClient::Conn {
  Conn(int f, Pool* p) : fd(f), pool(p) {}
  ~Conn() {
    if (fd >= 0) ::close(fd);
  }
  int fd;
  Pool* pool;
  uint64_t watch = 0;
  uint32_t interest = 0;
  UpstreamExchange* owner = nullptr;  // nullptr while idle
  // Lives as long as the connection: its buffer is reused by every
  // exchange. Kept idle only when nothing of a next message is buffered.
  http::ResponseParser parser{http::ParserLimits{
      .max_header_bytes = 64 * 1024, .max_body_bytes = size_t{256} << 20}};
};

class UpstreamExchange {
 public:
  explicit UpstreamExchange(UpstreamClient& client) : client_(client) {}

  void Start(std::span<const Candidate> candidates, std::string request_bytes,
             std::string_view method, bool idempotent,
             UpstreamClient::Clock::time_point deadline,
             const UpstreamConfig& config, UpstreamClient::Callback callback) {
    num_candidates_ = candidates.size() < candidates_.size()
                          ? candidates.size()
                          : candidates_.size();
    for (size_t i = 0; i < num_candidates_; ++i) candidates_[i] = candidates[i];
    out_ = std::move(request_bytes);
    out_offset_ = 0;
    method_.assign(method);
    idempotent_ = idempotent;
    max_idle_ = config.max_idle;
    max_connections_ = config.max_connections;
    callback_ = std::move(callback);
    UpstreamClient* client = &client_;
    timer_ = client_.loop_.RunAfter(deadline - UpstreamClient::Clock::now(),
                                    [client, this] { client->OnTimer(this); });
    TryCandidate(0, /*allow_reuse=*/true);
  }

  bool finished() const { return finished_; }

  void OnTimeout() {
    timer_ = 0;
    Finish(UpstreamResult::Outcome::kTimeout, "deadline exceeded");
  }

  void OnEvent(uint32_t events) {
    if (finished_) return;
    if (connecting_) {
      int err = 0;
      socklen_t len = sizeof(err);
      ::getsockopt(conn_->fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0 || (events & (EPOLLERR | EPOLLHUP))) {
        if (err == 0) err = ECONNREFUSED;
        ConnectFailed("connect " + std::string(key_) + ": " +
                      std::strerror(err));
        return;
      }
      connecting_ = false;
    }
    if (out_offset_ < out_.size()) {
      if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) WriteSome();
      return;
    }
    if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) ReadSome();
  }

  // Back to the state of a new exchange; returns the request buffer so its
  // capacity serves the next request.
  std::string Reset() {
    std::string buffer = std::move(out_);
    buffer.clear();
    out_ = std::string();
    for (Candidate& c : candidates_) c = Candidate{};
    num_candidates_ = 0;
    result_ = UpstreamResult{};
    key_ = {};
    pool_ = nullptr;
    candidate_ = 0;
    conn_ = nullptr;
    timer_ = 0;
    reused_ = false;
    holds_slot_ = false;
    connecting_ = false;
    got_bytes_ = false;
    finished_ = false;
    return buffer;
  }

 private:
  using Conn = UpstreamClient::Conn;

  void TryCandidate(size_t index, bool allow_reuse) {
    candidate_ = index;
    const Candidate& c = candidates_[index];
    key_ = c.key;
    pool_ = &client_.PoolFor(c.key);
    UpstreamClient::Pool& pool = *pool_;
    if (allow_reuse && !pool.idle.empty()) {
      conn_ = pool.idle.back();
      pool.idle.pop_back();
      conn_->owner = this;
      reused_ = true;
      ++pool.active;
      holds_slot_ = true;
      connecting_ = false;
      WriteSome();  // a pooled connection is writable: skip a loop turn
      return;
    }
    if (pool.active >= max_connections_) {
      Finish(UpstreamResult::Outcome::kOverloaded,
             "max_connections reached for " + std::string(key_));
      return;
    }
    reused_ = false;
    sockaddr_storage addr;
    socklen_t len = 0;
    if (!ResolveEndpoint(*c.endpoint, &addr, &len)) {
      ConnectFailed("cannot resolve " + c.endpoint->host);
      return;
    }
    int fd =
        ::socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      Finish(UpstreamResult::Outcome::kConnectError,
             std::string("socket: ") + std::strerror(errno));
      return;
    }
    ++pool.active;
    holds_slot_ = true;
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 &&
        errno != EINPROGRESS) {
      int err = errno;
      ::close(fd);
      ConnectFailed("connect " + std::string(key_) + ": " + std::strerror(err));
      return;
    }
    Result<Conn*> conn = client_.NewConn(fd, pool, EPOLLOUT);
    if (!conn.ok()) {
      Finish(UpstreamResult::Outcome::kConnectError, conn.message());
      return;
    }
    conn_ = *conn;
    conn_->owner = this;
    connecting_ = true;
  }

  // Sets the connection's epoll interest; false (and finished) on failure.
  bool Watch(uint32_t events) {
    Status s = client_.SetInterest(conn_, events);
    if (s.ok()) return true;
    Finish(UpstreamResult::Outcome::kConnectError, s.message());
    return false;
  }

  void ReleaseSlot(bool keep) {
    if (holds_slot_) {
      --pool_->active;
      holds_slot_ = false;
    }
    if (conn_ == nullptr) return;
    Conn* conn = conn_;
    conn_ = nullptr;
    // Kept only when reading (EPOLLIN), the interest an idle watcher needs.
    if (keep && conn->interest == EPOLLIN && pool_->idle.size() < max_idle_) {
      client_.PutIdle(conn);
    } else {
      client_.CloseConn(conn);
    }
  }

  void ConnectFailed(std::string detail) {
    ReleaseSlot(false);
    if (candidates_[candidate_].on_connect_failure) {
      candidates_[candidate_].on_connect_failure();
    }
    if (candidate_ == 0 && num_candidates_ > 1 && !finished_) {
      TryCandidate(1, /*allow_reuse=*/true);
      return;
    }
    Finish(UpstreamResult::Outcome::kConnectError, std::move(detail));
  }

  void WriteSome() {
    while (out_offset_ < out_.size()) {
      ssize_t n = ::send(conn_->fd, out_.data() + out_offset_,
                         out_.size() - out_offset_, MSG_NOSIGNAL);
      if (n > 0) {
        out_offset_ += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        Watch(EPOLLOUT);
        return;
      }
      if (n < 0 && errno == EINTR) continue;
      BrokenConnection(std::string("send: ") + std::strerror(errno));
      return;
    }
    conn_->parser.ExpectResponseTo(method_);
    Watch(EPOLLIN);
  }

  void ReadSome() {
    char buf[64 * 1024];
    Conn* conn = conn_;
    ssize_t n = ::recv(conn->fd, buf, sizeof(buf), 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
      BrokenConnection(std::string("recv: ") + std::strerror(errno));
      return;
    }
    http::ResponseParser& parser = conn->parser;
    if (n == 0) {
      parser.FeedEof();
    } else {
      got_bytes_ = true;
      parser.Feed(std::string_view(buf, static_cast<size_t>(n)));
    }
    while (true) {
      http::ParseStatus s = parser.Next();
      if (s == http::ParseStatus::kError) {
        Finish(UpstreamResult::Outcome::kProtocol, parser.error_detail());
        return;
      }
      if (s == http::ParseStatus::kNeedMore) {
        if (n == 0)
          BrokenConnection("upstream closed before a complete response");
        return;
      }
      http::Response r = parser.TakeMessage();
      if (r.status >= 100 && r.status < 200) continue;  // interim
      bool keep = r.keep_alive && parser.idle() && n != 0;
      // The parser belongs to the connection, which may be closed (and
      // later freed) from here on: it is not touched again.
      ReleaseSlot(keep);
      result_.response = std::move(r);
      Finish(UpstreamResult::Outcome::kOk, "");
      return;
    }
  }

  void BrokenConnection(std::string detail) {
    bool stale = reused_ && !got_bytes_;
    ReleaseSlot(false);
    if (stale && idempotent_ && !finished_) {
      // The pooled connection died while idle; try a fresh one (with a
      // fresh parser).
      out_offset_ = 0;
      TryCandidate(candidate_, /*allow_reuse=*/false);
      return;
    }
    Finish(UpstreamResult::Outcome::kReset, std::move(detail));
  }

  void Finish(UpstreamResult::Outcome outcome, std::string detail) {
    if (finished_) return;
    finished_ = true;
    if (timer_ != 0) {
      client_.loop_.Cancel(timer_);
      timer_ = 0;
    }
    ReleaseSlot(false);
    result_.outcome = outcome;
    result_.detail = std::move(detail);
    result_.endpoint.assign(key_);
    UpstreamClient::Callback cb = std::move(callback_);
    callback_ = nullptr;
    cb(std::move(result_));
  }

  UpstreamClient& client_;
  // A connect failure moves on to the next candidate once: two at most.
  std::array<Candidate, 2> candidates_;
  size_t num_candidates_ = 0;
  std::string out_;
  size_t out_offset_ = 0;
  std::string method_;
  bool idempotent_ = false;
  size_t max_idle_ = 0;
  size_t max_connections_ = 0;
  UpstreamClient::Callback callback_;
  UpstreamResult result_;
  std::string_view key_;  // the current candidate's, owned by the caller
  UpstreamClient::Pool* pool_ = nullptr;
  size_t candidate_ = 0;
  Conn* conn_ = nullptr;
  uint64_t timer_ = 0;
  bool reused_ = false;
  bool holds_slot_ = false;
  bool connecting_ = false;
  bool got_bytes_ = false;
  bool finished_ = false;
};

UpstreamClient::UpstreamClient(http::EventLoop& loop) : loop_(loop) {}

// The loop is gone by now (the gateway stops the server first): members
// only close their sockets; exchanges still in flight drop their callbacks,
// whose responders answer nobody.
UpstreamClient::~UpstreamClient() = default;

std::string UpstreamClient::TakeBuffer() {
  if (spare_buffers_.empty()) return std::string();
  std::string buffer = std::move(spare_buffers_.back());
  spare_buffers_.pop_back();
  return buffer;
}

UpstreamClient::Pool& UpstreamClient::PoolFor(std::string_view key) {
  // A handful of endpoints per worker: a linear scan beats hashing the key.
  for (auto& [k, pool] : pools_) {
    if (k == key) return *pool;
  }
  auto pool = std::make_unique<Pool>();
  pool->key = std::string(key);
  Pool& ref = *pool;
  pools_.emplace_back(std::string(key), std::move(pool));
  return ref;
}

Result<UpstreamClient::Conn*> UpstreamClient::NewConn(int fd, Pool& pool,
                                                      uint32_t events) {
  auto conn = std::make_unique<Conn>(fd, &pool);
  Conn* c = conn.get();
  auto watch =
      loop_.Watch(fd, events, [this, c](uint32_t ev) { OnConnEvent(c, ev); });
  if (!watch.ok()) return watch.error();  // conn's destructor closes fd
  c->watch = *watch;
  c->interest = events;
  conns_.emplace(c, std::move(conn));
  return c;
}

Status UpstreamClient::SetInterest(Conn* conn, uint32_t events) {
  if (conn->interest == events) return Status::Ok();
  Status s = loop_.Modify(conn->watch, events);
  if (s.ok()) conn->interest = events;
  return s;
}

void UpstreamClient::PutIdle(Conn* conn) {
  conn->owner = nullptr;
  conn->pool->idle.push_back(conn);
}

void UpstreamClient::CloseConn(Conn* conn) {
  if (conn->watch != 0) loop_.Unwatch(conn->watch);
  conn->watch = 0;
  conn->owner = nullptr;
  ::close(conn->fd);
  conn->fd = -1;
  auto it = conns_.find(conn);
  if (it == conns_.end()) return;
  // Freed later: a frame of the exchange that closed it may still be
  // running.
  graveyard_.push_back(std::move(it->second));
  conns_.erase(it);
}

void UpstreamClient::OnConnEvent(Conn* conn, uint32_t events) {
  // Called from the loop only, so no frame of a buried connection remains.
  graveyard_.clear();
  UpstreamExchange* exchange = conn->owner;
  if (exchange == nullptr) {
    // Readable while idle: the upstream closed it (or sent junk). Drop it.
    std::vector<Conn*>& idle = conn->pool->idle;
    for (size_t i = 0; i < idle.size(); ++i) {
      if (idle[i] == conn) {
        idle.erase(idle.begin() + static_cast<std::ptrdiff_t>(i));
        break;
      }
    }
    CloseConn(conn);
    return;
  }
  exchange->OnEvent(events);
  RecycleIfDone(exchange);
}

void UpstreamClient::OnTimer(UpstreamExchange* exchange) {
  graveyard_.clear();
  exchange->OnTimeout();
  RecycleIfDone(exchange);
}

void UpstreamClient::RecycleIfDone(UpstreamExchange* exchange) {
  if (!exchange->finished()) return;
  std::string buffer = exchange->Reset();
  // Bounded: beyond the concurrency seen so far, spare buffers are waste.
  if (buffer.capacity() > 0 && spare_buffers_.size() < 64) {
    spare_buffers_.push_back(std::move(buffer));
  }
  free_exchanges_.push_back(exchange);
}

size_t UpstreamClient::idle_connections() const {
  size_t n = 0;
  for (const auto& [key, pool] : pools_) n += pool->idle.size();
  return n;
}

void UpstreamClient::Exchange(std::span<const Candidate> candidates,
                              std::string request_bytes,
                              std::string_view method, bool idempotent,
                              Clock::time_point deadline,
                              const UpstreamConfig& config, Callback callback) {
  if (candidates.empty()) {
    UpstreamResult r;
    r.outcome = UpstreamResult::Outcome::kConnectError;
    r.detail = "no endpoints";
    callback(std::move(r));
    return;
  }
  UpstreamExchange* exchange;
  if (!free_exchanges_.empty()) {
    exchange = free_exchanges_.back();
    free_exchanges_.pop_back();
  } else {
    exchanges_.push_back(std::make_unique<UpstreamExchange>(*this));
    exchange = exchanges_.back().get();
  }
  exchange->Start(candidates, std::move(request_bytes), method, idempotent,
                  deadline, config, std::move(callback));
  RecycleIfDone(exchange);
}

}  // namespace staticship::gateway
