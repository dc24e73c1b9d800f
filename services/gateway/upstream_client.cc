#include "services/gateway/upstream_client.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "services/common/http/parser.h"

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

namespace {

// Numeric addresses are converted without a resolver call; names go through
// getaddrinfo (blocking, but only for non-numeric upstream names).
bool ResolveEndpoint(const Endpoint& e, sockaddr_storage* out, socklen_t* len) {
  std::memset(out, 0, sizeof(*out));
  auto* in4 = reinterpret_cast<sockaddr_in*>(out);
  if (::inet_pton(AF_INET, e.host.c_str(), &in4->sin_addr) == 1) {
    in4->sin_family = AF_INET;
    in4->sin_port = htons(e.port);
    *len = sizeof(sockaddr_in);
    return true;
  }
  auto* in6 = reinterpret_cast<sockaddr_in6*>(out);
  if (::inet_pton(AF_INET6, e.host.c_str(), &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(e.port);
    *len = sizeof(sockaddr_in6);
    return true;
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (::getaddrinfo(e.host.c_str(), std::to_string(e.port).c_str(), &hints,
                    &res) != 0 ||
      res == nullptr) {
    return false;
  }
  std::memcpy(out, res->ai_addr, res->ai_addrlen);
  *len = static_cast<socklen_t>(res->ai_addrlen);
  ::freeaddrinfo(res);
  return true;
}

}  // namespace

class UpstreamExchange : public std::enable_shared_from_this<UpstreamExchange> {
 public:
  UpstreamExchange(UpstreamClient& client, std::vector<Candidate> candidates,
                   std::string request_bytes, std::string method,
                   bool idempotent, const UpstreamConfig& config,
                   UpstreamClient::Callback callback)
      : client_(client),
        candidates_(std::move(candidates)),
        out_(std::move(request_bytes)),
        method_(std::move(method)),
        idempotent_(idempotent),
        max_idle_(config.max_idle),
        max_connections_(config.max_connections),
        callback_(std::move(callback)),
        parser_(http::ParserLimits{.max_header_bytes = 64 * 1024,
                                   .max_body_bytes = size_t{256} << 20}) {}

  ~UpstreamExchange() {
    // Only reached without Finish() when the loop is torn down: just close.
    if (fd_ >= 0) ::close(fd_);
  }

  void Start(UpstreamClient::Clock::time_point deadline) {
    auto self = shared_from_this();
    timer_ =
        client_.loop_.RunAfter(deadline - UpstreamClient::Clock::now(), [self] {
          self->timer_ = 0;
          self->Finish(UpstreamResult::Outcome::kTimeout, "deadline exceeded");
        });
    TryCandidate(0, /*allow_reuse=*/true);
  }

 private:
  void TryCandidate(size_t index, bool allow_reuse) {
    candidate_ = index;
    const Endpoint& e = candidates_[index].endpoint;
    key_ = e.key();
    UpstreamClient::Pool& pool = client_.PoolFor(key_);
    if (allow_reuse && !pool.idle.empty()) {
      UpstreamClient::IdleConn conn = pool.idle.back();
      pool.idle.pop_back();
      fd_ = conn.fd;
      watch_ = conn.watch;
      interest_ = EPOLLIN;
      auto self = shared_from_this();
      if (!client_.loop_
               .SetCallback(watch_, [self](uint32_t ev) { self->OnEvent(ev); })
               .ok()) {
        ::close(fd_);
        fd_ = -1;
        watch_ = 0;
        TryCandidate(index, false);
        return;
      }
      reused_ = true;
      ++pool.active;
      holds_slot_ = true;
      connecting_ = false;
      WriteSome();  // a pooled connection is writable: skip a loop turn
      return;
    }
    if (pool.active >= max_connections_) {
      Finish(UpstreamResult::Outcome::kOverloaded,
             "max_connections reached for " + key_);
      return;
    }
    reused_ = false;
    sockaddr_storage addr;
    socklen_t len = 0;
    if (!ResolveEndpoint(e, &addr, &len)) {
      ConnectFailed("cannot resolve " + e.host);
      return;
    }
    fd_ =
        ::socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
      Finish(UpstreamResult::Outcome::kConnectError,
             std::string("socket: ") + std::strerror(errno));
      return;
    }
    ++pool.active;
    holds_slot_ = true;
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 &&
        errno != EINPROGRESS) {
      ConnectFailed(std::string("connect ") + key_ + ": " +
                    std::strerror(errno));
      return;
    }
    connecting_ = true;
    Watch(EPOLLOUT);
  }

  void Watch(uint32_t events) {
    if (watch_ != 0) {
      if (events == interest_) return;
      if (client_.loop_.Modify(watch_, events).ok()) {
        interest_ = events;
        return;
      }
      client_.loop_.Unwatch(watch_);
      watch_ = 0;
    }
    interest_ = events;
    // The watch holds the exchange alive until Finish() removes it.
    auto self = shared_from_this();
    auto id = client_.loop_.Watch(fd_, events,
                                  [self](uint32_t ev) { self->OnEvent(ev); });
    if (!id.ok()) {
      Finish(UpstreamResult::Outcome::kConnectError, id.message());
      return;
    }
    watch_ = *id;
  }

  void ReleaseSlot(bool keep) {
    if (fd_ < 0) return;
    UpstreamClient::Pool& pool = client_.PoolFor(key_);
    if (holds_slot_) {
      --pool.active;
      holds_slot_ = false;
    }
    // Kept only when reading (EPOLLIN), the interest an idle watcher needs.
    if (keep && watch_ != 0 && interest_ == EPOLLIN &&
        pool.idle.size() < max_idle_) {
      client_.PutIdle(key_, fd_, watch_);
    } else {
      if (watch_ != 0) client_.loop_.Unwatch(watch_);
      ::close(fd_);
    }
    watch_ = 0;
    fd_ = -1;
  }

  void ConnectFailed(std::string detail) {
    ReleaseSlot(false);
    if (candidates_[candidate_].on_connect_failure) {
      candidates_[candidate_].on_connect_failure();
    }
    if (candidate_ == 0 && candidates_.size() > 1 && !finished_) {
      TryCandidate(1, /*allow_reuse=*/true);
      return;
    }
    Finish(UpstreamResult::Outcome::kConnectError, std::move(detail));
  }

  void OnEvent(uint32_t events) {
    if (finished_) return;
    if (connecting_) {
      int err = 0;
      socklen_t len = sizeof(err);
      ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0 || (events & (EPOLLERR | EPOLLHUP))) {
        if (err == 0) err = ECONNREFUSED;
        ConnectFailed("connect " + key_ + ": " + std::strerror(err));
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

  void WriteSome() {
    while (out_offset_ < out_.size()) {
      ssize_t n = ::send(fd_, out_.data() + out_offset_,
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
    parser_.ExpectResponseTo(method_);
    Watch(EPOLLIN);
  }

  void ReadSome() {
    char buf[64 * 1024];
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
      BrokenConnection(std::string("recv: ") + std::strerror(errno));
      return;
    }
    if (n == 0) {
      parser_.FeedEof();
    } else {
      got_bytes_ = true;
      parser_.Feed(std::string_view(buf, static_cast<size_t>(n)));
    }
    while (true) {
      http::ParseStatus s = parser_.Next();
      if (s == http::ParseStatus::kError) {
        Finish(UpstreamResult::Outcome::kProtocol, parser_.error_detail());
        return;
      }
      if (s == http::ParseStatus::kNeedMore) {
        if (n == 0)
          BrokenConnection("upstream closed before a complete response");
        return;
      }
      http::Response r = parser_.TakeMessage();
      if (r.status >= 100 && r.status < 200) continue;  // interim
      bool keep = r.keep_alive && parser_.idle() && n != 0;
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
      // The pooled connection died while idle; try a fresh one.
      out_offset_ = 0;
      parser_ = http::ResponseParser(http::ParserLimits{
          .max_header_bytes = 64 * 1024, .max_body_bytes = size_t{256} << 20});
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
    result_.endpoint = key_;
    UpstreamClient::Callback cb = std::move(callback_);
    cb(std::move(result_));
  }

  UpstreamClient& client_;
  std::vector<Candidate> candidates_;
  std::string out_;
  size_t out_offset_ = 0;
  std::string method_;
  bool idempotent_;
  size_t max_idle_;
  size_t max_connections_;
  UpstreamClient::Callback callback_;
  http::ResponseParser parser_;
  UpstreamResult result_;
  std::string key_;
  size_t candidate_ = 0;
  int fd_ = -1;
  uint64_t watch_ = 0;
  uint32_t interest_ = 0;
  uint64_t timer_ = 0;
  bool reused_ = false;
  bool holds_slot_ = false;
  bool connecting_ = false;
  bool got_bytes_ = false;
  bool finished_ = false;
};

UpstreamClient::UpstreamClient(http::EventLoop& loop) : loop_(loop) {}

UpstreamClient::~UpstreamClient() {
  // The loop is gone by now (the gateway stops the server first): close only.
  for (auto& [key, pool] : pools_) {
    for (const IdleConn& c : pool.idle) ::close(c.fd);
  }
}

void UpstreamClient::PutIdle(const std::string& key, int fd, uint64_t watch) {
  Status s = loop_.SetCallback(watch, [this, key, watch](uint32_t) {
    // Readable while idle: the upstream closed it (or sent junk). Drop it.
    DropIdle(key, watch);
  });
  if (!s.ok()) {
    loop_.Unwatch(watch);
    ::close(fd);
    return;
  }
  pools_[key].idle.push_back(IdleConn{fd, watch});
}

void UpstreamClient::DropIdle(const std::string& key, uint64_t watch) {
  std::vector<IdleConn>& idle = pools_[key].idle;
  for (size_t i = 0; i < idle.size(); ++i) {
    if (idle[i].watch != watch) continue;
    loop_.Unwatch(watch);
    ::close(idle[i].fd);
    idle.erase(idle.begin() + static_cast<std::ptrdiff_t>(i));
    return;
  }
}

size_t UpstreamClient::idle_connections() const {
  size_t n = 0;
  for (const auto& [key, pool] : pools_) n += pool.idle.size();
  return n;
}

void UpstreamClient::Exchange(std::vector<Candidate> candidates,
                              std::string request_bytes, std::string method,
                              bool idempotent, Clock::time_point deadline,
                              const UpstreamConfig& config, Callback callback) {
  if (candidates.empty()) {
    UpstreamResult r;
    r.outcome = UpstreamResult::Outcome::kConnectError;
    r.detail = "no endpoints";
    callback(std::move(r));
    return;
  }
  auto exchange = std::make_shared<UpstreamExchange>(
      *this, std::move(candidates), std::move(request_bytes), std::move(method),
      idempotent, config, std::move(callback));
  exchange->Start(deadline);
}

}  // namespace staticship::gateway
