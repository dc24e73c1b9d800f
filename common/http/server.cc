#include "common/http/server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <unordered_map>

#include "common/base/unique_fd.h"
#include "common/http/connection_phase.h"

namespace staticship::http {
namespace internal {

using Clock = EventLoop::Clock;

struct ResponseSlot {
  std::shared_ptr<Mailbox> mailbox;
  EventLoop* loop = nullptr;
  Worker* worker = nullptr;
  uint64_t connection_id = 0;
  uint64_t seq = 0;
  std::string peer;
  std::atomic<bool> sent{false};

  void Deliver(Response response);
  ~ResponseSlot();
};

class Connection {
 public:
  struct Pending {
    uint64_t seq;
    bool ready = false;
    bool close = false;
    bool head = false;
    // The answer was serialised straight into `out` (it was first in line),
    // so `bytes` is unused.
    bool in_out = false;
    int version_minor = 1;
    bool keep_alive = true;
    std::string bytes;
  };

  // FIFO of requests awaiting their answer. A vector with a moving head:
  // with keep-alive (one request in flight) it never allocates after the
  // first request, unlike std::deque, which frees and reallocates a block
  // every few pushes.
  class PendingQueue {
   public:
    bool empty() const { return head_ == items_.size(); }
    size_t size() const { return items_.size() - head_; }
    Pending& front() { return items_[head_]; }
    Pending& back() { return items_.back(); }
    void push_back(Pending p) {
      if (head_ > 0 && head_ == items_.size()) clear();
      items_.push_back(std::move(p));
    }
    void pop_front() {
      ++head_;
      if (head_ == items_.size()) {
        clear();
      } else if (head_ >= 32 && head_ * 2 >= items_.size()) {
        // A pipelining client may never let the queue run empty.
        items_.erase(items_.begin(),
                     items_.begin() + static_cast<std::ptrdiff_t>(head_));
        head_ = 0;
      }
    }
    void clear() {
      items_.clear();
      head_ = 0;
    }
    auto begin() { return items_.begin() + static_cast<std::ptrdiff_t>(head_); }
    auto end() { return items_.end(); }

   private:
    std::vector<Pending> items_;
    size_t head_ = 0;
  };

  Connection(uint64_t id, int fd, std::string peer, ParserLimits limits)
      : id(id), fd(fd), peer(std::move(peer)), parser(limits) {}
  ~Connection() {
    if (fd >= 0) ::close(fd);
  }

  uint64_t id;
  int fd;
  std::string peer;
  uint64_t watch_id = 0;
  RequestParser parser;
  std::string out;
  size_t out_offset = 0;
  PendingQueue pending;
  uint64_t next_seq = 0;
  ConnectionPhase phase = ConnectionPhase::kOpen;
  Clock::time_point linger_until;  // while kLingering
  bool continue_sent = false;
  // Inside ProcessInput: writes and re-parsing are deferred to its end, so
  // synchronous handlers answering pipelined requests do not recurse.
  bool processing = false;
  uint32_t interest = EPOLLIN;
  std::optional<Clock::time_point> request_started;
  Clock::time_point last_active;
  // While a trace runs: when the next request's first bytes were read.
  int64_t trace_read_ns = 0;
};

class Worker {
 public:
  Worker(int listen_fd, std::unique_ptr<EventLoop> loop,
         const ServerOptions& options, const Handler& handler,
         ServerStats& stats, std::atomic<bool>& draining)
      : listen_fd_(listen_fd),
        loop_(std::move(loop)),
        options_(options),
        handler_(handler),
        stats_(stats),
        draining_(draining) {}

  ~Worker() {
    // Runs after the loop thread has joined.
    stats_.open_connections.fetch_sub(static_cast<int64_t>(connections_.size()),
                                      std::memory_order_relaxed);
    connections_.clear();
    graveyard_.clear();
    if (listen_fd_ >= 0) ::close(listen_fd_);
  }

  EventLoop& loop() { return *loop_; }

  // All the server's workers (this one included), for handing new
  // connections of a shared listener to the least loaded.
  void SetPeers(const std::vector<std::unique_ptr<Worker>>* peers) {
    peers_ = peers;
  }

  Status Init() {
    // EPOLLEXCLUSIVE: a connection on a shared listener wakes one waiting
    // worker, not all of them.
    const uint32_t events =
        options_.shared_listener ? EPOLLIN | EPOLLEXCLUSIVE : EPOLLIN;
    auto watch =
        loop_->Watch(listen_fd_, events, [this](uint32_t) { AcceptReady(); });
    if (!watch.ok()) return watch.error();
    listen_watch_ = *watch;
    ScheduleSweep();
    return Status::Ok();
  }

  // Loop thread.
  void StartDrain() {
    if (listen_fd_ >= 0) {
      loop_->Unwatch(listen_watch_);
      ::close(listen_fd_);
      listen_fd_ = -1;
    }
    std::vector<Connection*> all;
    for (auto& [id, conn] : connections_) all.push_back(conn.get());
    for (Connection* c : all) {
      c->phase = StopReading(c->phase);
      if (c->pending.empty() && c->out_offset == c->out.size()) {
        Close(c);
      }
    }
  }

  void Deliver(uint64_t connection_id, uint64_t seq, Response response) {
    auto it = connections_.find(connection_id);
    if (it == connections_.end()) return;  // client went away
    Connection* c = it->second.get();
    for (Connection::Pending& p : c->pending) {
      if (p.seq != seq) continue;
      bool close = !response.keep_alive || !p.keep_alive || p.close ||
                   draining_.load(std::memory_order_relaxed);
      p.close = close;
      if (&p == &c->pending.front()) {
        // Next in line (always, without pipelining): serialise into the
        // connection's output buffer, skipping a buffer and a copy.
        if (c->out_offset == c->out.size()) {
          c->out.clear();
          c->out_offset = 0;
        }
        AppendResponse(response, p.head, close, p.version_minor, &c->out);
        p.in_out = true;
      } else {
        AppendResponse(response, p.head, close, p.version_minor, &p.bytes);
      }
      p.ready = true;
      break;
    }
    Flush(c);
  }

 private:
  void ScheduleSweep() {
    auto shortest = std::min(options_.header_timeout, options_.idle_timeout);
    auto interval = std::clamp(shortest / 4, std::chrono::milliseconds(10),
                               std::chrono::milliseconds(250));
    loop_->RunAfter(interval, [this] {
      Sweep();
      ScheduleSweep();
    });
  }

  void Sweep() {
    Clock::time_point now = loop_->now();
    std::vector<Connection*> expired_request;
    std::vector<Connection*> idle;
    std::vector<Connection*> linger_done;
    for (auto& [id, conn] : connections_) {
      Connection* c = conn.get();
      if (c->phase == ConnectionPhase::kLingering && now > c->linger_until) {
        linger_done.push_back(c);
      }
      if (c->phase != ConnectionPhase::kOpen) continue;
      if (c->request_started &&
          now - *c->request_started > options_.header_timeout) {
        expired_request.push_back(c);
      } else if (!c->request_started && c->pending.empty() &&
                 c->out_offset == c->out.size() &&
                 now - c->last_active > options_.idle_timeout) {
        idle.push_back(c);
      }
    }
    for (Connection* c : expired_request) {
      stats_.header_timeouts_total.fetch_add(1, std::memory_order_relaxed);
      QueueError(c, 408);
    }
    for (Connection* c : linger_done) Close(c);
    for (Connection* c : idle) {
      stats_.idle_closed_total.fetch_add(1, std::memory_order_relaxed);
      Close(c);
    }
  }

  void AcceptReady() {
    // On a shared listener, one connection per wakeup: the next wakes
    // whichever worker waits then.
    const int batch = options_.shared_listener ? 1 : 64;
    for (int i = 0; i < batch && listen_fd_ >= 0; ++i) {
      const int64_t trace_start = trace::StartNs(options_.trace);
      sockaddr_storage addr{};
      socklen_t len = sizeof(addr);
      int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        // EMFILE and friends: stop for this round; the listener stays
        // readable and we retry on the next event.
        return;
      }
      stats_.accepted_total.fetch_add(1, std::memory_order_relaxed);
      int64_t open =
          stats_.open_connections.fetch_add(1, std::memory_order_relaxed);
      if (open >= static_cast<int64_t>(options_.max_connections) ||
          draining_.load(std::memory_order_relaxed)) {
        stats_.open_connections.fetch_sub(1, std::memory_order_relaxed);
        stats_.rejected_connections_total.fetch_add(1,
                                                    std::memory_order_relaxed);
        static constexpr char kBusy[] =
            "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
            "Connection: close\r\n\r\n";
        [[maybe_unused]] ssize_t n =
            ::send(fd, kBusy, sizeof(kBusy) - 1, MSG_NOSIGNAL);
        ::close(fd);
        continue;
      }
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      Worker* target = LeastLoaded();
      target->held_.fetch_add(1, std::memory_order_relaxed);
      if (target == this) {
        Adopt(UniqueFd(fd), PeerAddress(addr), trace_start);
        continue;
      }
      // Keep-alive connections stay where they land, so they are spread
      // here, as haproxy's accepting thread hands each to its least
      // loaded thread: an even split keeps one worker from queueing
      // while the other idles. The fd rides in a shared_ptr because a
      // task must be copyable; if the loop is gone, it closes with it.
      auto handed = std::make_shared<UniqueFd>(fd);
      std::string peer = PeerAddress(addr);
      const bool posted =
          target->loop().Post([target, handed, peer, trace_start] {
            target->Adopt(std::move(*handed), peer, trace_start);
          });
      if (!posted) target->Uncount();
    }
  }

  // The worker that holds the fewest connections, this one on a tie (a
  // reuseport listener's worker keeps what it accepts).
  Worker* LeastLoaded() {
    Worker* best = this;
    if (!options_.shared_listener || peers_ == nullptr) return best;
    int64_t fewest = held_.load(std::memory_order_relaxed);
    for (const auto& peer : *peers_) {
      const int64_t held = peer->held_.load(std::memory_order_relaxed);
      if (held < fewest) {
        fewest = held;
        best = peer.get();
      }
    }
    return best;
  }

  // A connection counted in open_connections and held_ is gone.
  void Uncount() {
    held_.fetch_sub(1, std::memory_order_relaxed);
    stats_.open_connections.fetch_sub(1, std::memory_order_relaxed);
  }

  // Loop thread. `held_` already counts the connection.
  void Adopt(UniqueFd fd, std::string peer, int64_t trace_start) {
    if (draining_.load(std::memory_order_relaxed)) {
      Uncount();
      return;  // fd closes
    }
    const int raw = fd.get();
    auto conn = std::make_unique<Connection>(
        next_connection_id_++, fd.Release(), std::move(peer), options_.limits);
    Connection* c = conn.get();
    c->last_active = loop_->now();
    auto watch = loop_->Watch(
        raw, EPOLLIN, [this, c](uint32_t events) { OnEvent(c, events); });
    if (!watch.ok()) {
      Uncount();
      return;  // conn's destructor closes fd
    }
    c->watch_id = *watch;
    connections_.emplace(c->id, std::move(conn));
    if (trace_start != 0) {
      options_.trace->End(
          "http", "accept", trace_start,
          {"peer", c->peer, "connection", static_cast<int64_t>(c->id)});
    }
  }

  static std::string PeerAddress(const sockaddr_storage& addr) {
    char buf[INET6_ADDRSTRLEN] = {0};
    if (addr.ss_family == AF_INET) {
      const auto* in = reinterpret_cast<const sockaddr_in*>(&addr);
      ::inet_ntop(AF_INET, &in->sin_addr, buf, sizeof(buf));
    } else if (addr.ss_family == AF_INET6) {
      const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&addr);
      ::inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof(buf));
    }
    return buf;
  }

  void OnEvent(Connection* c, uint32_t events) {
    if (c->phase == ConnectionPhase::kClosed) return;
    if (events & EPOLLIN) OnReadable(c);
    if (c->phase == ConnectionPhase::kClosed) return;
    if (events & EPOLLOUT) Write(c);
    if (c->phase == ConnectionPhase::kClosed) return;
    if ((events & (EPOLLERR | EPOLLHUP)) && !(events & EPOLLIN)) Close(c);
  }

  void OnReadable(Connection* c) {
    char buf[64 * 1024];
    ssize_t n = ::recv(c->fd, buf, sizeof(buf), 0);
    if (c->phase == ConnectionPhase::kLingering) {
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) Close(c);
      return;
    }
    if (n == 0) {
      // Peer half-closed: answer what was already asked (in order), then
      // close. Requests not fully received are dropped.
      c->phase = StopReading(c->phase);
      UpdateInterest(c);
      if (c->pending.empty() && c->out_offset == c->out.size()) Close(c);
      return;
    }
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
      Close(c);
      return;
    }
    c->last_active = loop_->now();
    if (c->trace_read_ns == 0 && c->parser.idle()) {
      c->trace_read_ns = trace::StartNs(options_.trace);
    }
    c->parser.Feed(std::string_view(buf, static_cast<size_t>(n)));
    ProcessInput(c);
  }

  void ProcessInput(Connection* c) {
    c->processing = true;
    while (c->phase == ConnectionPhase::kOpen &&
           c->pending.size() < options_.max_pipeline) {
      ParseStatus s = c->parser.Next();
      if (s == ParseStatus::kNeedMore) break;
      if (s == ParseStatus::kError) {
        stats_.bad_requests_total.fetch_add(1, std::memory_order_relaxed);
        QueueError(c, HttpStatusFor(c->parser.error()));
        break;
      }
      Dispatch(c, c->parser.TakeMessage());
    }
    c->processing = false;
    if (c->phase == ConnectionPhase::kClosed) return;
    if (c->phase != ConnectionPhase::kOpen || c->parser.idle()) {
      c->request_started.reset();
    } else if (!c->request_started) {
      c->request_started = loop_->now();
    }
    MaybeSendContinue(c);
    Write(c);
  }

  void MaybeSendContinue(Connection* c) {
    if (c->phase != ConnectionPhase::kOpen || !c->parser.in_body()) {
      c->continue_sent = false;
      return;
    }
    if (c->continue_sent || !c->pending.empty()) return;
    const std::string* expect = c->parser.partial().headers.Get("expect");
    if (expect == nullptr || !EqualsIgnoreCase(*expect, "100-continue") ||
        c->parser.partial().version_minor == 0) {
      return;
    }
    c->continue_sent = true;
    c->out.append("HTTP/1.1 100 Continue\r\n\r\n");
  }

  void Dispatch(Connection* c, Request request) {
    if (c->trace_read_ns != 0) {
      // From the read that brought the request's first bytes; a pipelined
      // request behind it in the same read starts there too.
      options_.trace->End(
          "http", "parse", c->trace_read_ns,
          {"path", request.path, "connection", static_cast<int64_t>(c->id)});
      c->trace_read_ns =
          c->parser.buffered() > 0 ? trace::StartNs(options_.trace) : 0;
    }
    c->continue_sent = false;
    Connection::Pending p;
    p.seq = c->next_seq++;
    p.head = request.method == "HEAD";
    p.version_minor = request.version_minor;
    p.keep_alive = request.keep_alive;
    if (!request.keep_alive || draining_.load(std::memory_order_relaxed)) {
      c->phase = StopReading(c->phase);
      p.close = true;
    }
    c->pending.push_back(std::move(p));
    auto slot = std::make_shared<ResponseSlot>();
    slot->mailbox = loop_->mailbox();
    slot->loop = loop_.get();
    slot->worker = this;
    slot->connection_id = c->id;
    slot->seq = c->pending.back().seq;
    slot->peer = c->peer;
    handler_(std::move(request), Responder(std::move(slot)));
  }

  // Answers with `status` after the responses already queued, then closes.
  void QueueError(Connection* c, int status) {
    c->phase = Reject(c->phase);
    Connection::Pending p;
    p.seq = c->next_seq++;
    p.ready = true;
    p.close = true;
    Response r(status, std::string(ReasonPhrase(status)) + "\n");
    if (options_.error_response) {
      r = options_.error_response(status);
    } else {
      r.headers.Add("Content-Type", "text/plain");
    }
    AppendResponse(r, false, true, 1, &p.bytes);
    c->pending.push_back(std::move(p));
    c->request_started.reset();
    Flush(c);
  }

  void Flush(Connection* c) {
    if (c->phase == ConnectionPhase::kClosed) return;
    while (!c->pending.empty() && c->pending.front().ready) {
      Connection::Pending& p = c->pending.front();
      if (!p.in_out) {
        if (c->out_offset == c->out.size()) {
          c->out.clear();
          c->out_offset = 0;
        }
        c->out.append(p.bytes);
      }
      bool close = p.close;
      c->pending.pop_front();
      if (close) {
        c->phase = StopReading(c->phase);
        // Anything after a closing response would never be read.
        c->pending.clear();
        break;
      }
    }
    if (c->processing) return;
    Write(c);
    if (c->phase == ConnectionPhase::kClosed) return;
    // Answers freed pipeline room: parse what is already buffered.
    if (c->phase == ConnectionPhase::kOpen &&
        c->pending.size() < options_.max_pipeline && c->parser.buffered() > 0) {
      ProcessInput(c);
    }
  }

  void Write(Connection* c) {
    while (c->out_offset < c->out.size()) {
      ssize_t n = ::send(c->fd, c->out.data() + c->out_offset,
                         c->out.size() - c->out_offset, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        if (errno == EINTR) continue;
        Close(c);
        return;
      }
      c->out_offset += static_cast<size_t>(n);
      c->last_active = loop_->now();
    }
    if (c->out_offset == c->out.size()) {
      c->out.clear();
      c->out_offset = 0;
      if (c->phase != ConnectionPhase::kOpen && c->pending.empty()) {
        // Half-close first so the peer reads the last response before RST.
        ::shutdown(c->fd, SHUT_WR);
        if (AfterLastAnswer(c->phase) == ConnectionPhase::kLingering) {
          c->phase = ConnectionPhase::kLingering;
          c->linger_until = loop_->now() + std::chrono::seconds(2);
          if (!loop_->Modify(c->watch_id, EPOLLIN).ok()) Close(c);
          c->interest = EPOLLIN;
          return;
        }
        Close(c);
        return;
      }
    }
    UpdateInterest(c);
  }

  void UpdateInterest(Connection* c) {
    if (c->phase == ConnectionPhase::kClosed ||
        c->phase == ConnectionPhase::kLingering) {
      return;
    }
    uint32_t want = 0;
    if (c->phase == ConnectionPhase::kOpen &&
        c->pending.size() < options_.max_pipeline) {
      want |= EPOLLIN;
    }
    if (c->out_offset < c->out.size()) want |= EPOLLOUT;
    if (want != c->interest) {
      c->interest = want;
      if (!loop_->Modify(c->watch_id, want).ok()) Close(c);
    }
  }

  void Close(Connection* c) {
    if (c->phase == ConnectionPhase::kClosed) return;
    c->phase = ConnectionPhase::kClosed;
    loop_->Unwatch(c->watch_id);
    auto it = connections_.find(c->id);
    if (it == connections_.end()) return;
    Uncount();
    // Destroyed later: we may be inside one of its member calls.
    graveyard_.push_back(std::move(it->second));
    connections_.erase(it);
    if (graveyard_.size() == 1) {
      loop_->Post([this] { graveyard_.clear(); });
    }
  }

  int listen_fd_;
  uint64_t listen_watch_ = 0;
  // Connections this worker holds or has been handed and not yet adopted;
  // read by the other workers to pick where a new connection goes.
  std::atomic<int64_t> held_{0};
  const std::vector<std::unique_ptr<Worker>>* peers_ = nullptr;
  std::unique_ptr<EventLoop> loop_;
  const ServerOptions& options_;
  const Handler& handler_;
  ServerStats& stats_;
  std::atomic<bool>& draining_;
  uint64_t next_connection_id_ = 1;
  std::unordered_map<uint64_t, std::unique_ptr<Connection>> connections_;
  std::vector<std::unique_ptr<Connection>> graveyard_;
};

void ResponseSlot::Deliver(Response response) {
  if (mailbox->OnLoopThread()) {
    worker->Deliver(connection_id, seq, std::move(response));
    return;
  }
  Worker* w = worker;
  uint64_t id = connection_id;
  uint64_t s = seq;
  mailbox->Push([w, id, s, r = std::move(response)]() mutable {
    w->Deliver(id, s, std::move(r));
  });
}

ResponseSlot::~ResponseSlot() {
  if (!sent.exchange(true)) {
    Response r(500, "handler dropped the request\n");
    r.headers.Add("Content-Type", "text/plain");
    Deliver(std::move(r));
  }
}

}  // namespace internal

void Responder::Send(Response response) const {
  if (slot_->sent.exchange(true)) return;
  slot_->Deliver(std::move(response));
}

EventLoop& Responder::loop() const { return *slot_->loop; }
const std::string& Responder::peer_address() const { return slot_->peer; }
bool Responder::sent() const { return slot_->sent.load(); }

namespace {

Result<int> BindListener(const ServerOptions& options, uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  std::string service = std::to_string(port);
  const char* host = options.host.empty() ? nullptr : options.host.c_str();
  int rc = ::getaddrinfo(host, service.c_str(), &hints, &res);
  if (rc != 0) {
    return MakeError("resolve " + options.host + ": " + ::gai_strerror(rc));
  }
  std::string last_error = "no address";
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    int fd =
        ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                 ai->ai_protocol);
    if (fd < 0) {
      last_error = std::strerror(errno);
      continue;
    }
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (options.reuse_port) {
      ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
    }
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
        ::listen(fd, 4096) == 0) {
      ::freeaddrinfo(res);
      return fd;
    }
    last_error = std::strerror(errno);
    ::close(fd);
  }
  ::freeaddrinfo(res);
  return MakeError("listen on " + options.host + ":" + std::to_string(port) +
                   ": " + last_error);
}

Result<int> DuplicateListener(int fd) {
  int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) {
    return MakeError(std::string("dup listener: ") + std::strerror(errno));
  }
  return copy;
}

uint16_t LocalPort(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  if (addr.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
  }
  return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
}

}  // namespace

Server::Server(ServerOptions options, Handler handler)
    : options_(std::move(options)), handler_(std::move(handler)) {}

Result<std::unique_ptr<Server>> Server::Create(ServerOptions options,
                                               Handler handler) {
  if (options.workers < 1) options.workers = 1;
  // Without SO_REUSEPORT a second listener could not bind the same port.
  if (!options.reuse_port && !options.shared_listener) options.workers = 1;
  std::unique_ptr<Server> server(
      new Server(std::move(options), std::move(handler)));
  uint16_t port = server->options_.port;
  int first_fd = -1;
  for (int i = 0; i < server->options_.workers; ++i) {
    // A shared listener is one socket; each worker holds a descriptor of
    // its own for it, so each can stop accepting (drain) on its own.
    Result<int> fd = server->options_.shared_listener && i > 0
                         ? DuplicateListener(first_fd)
                         : BindListener(server->options_, port);
    if (!fd.ok()) return fd.error();
    if (i == 0) {
      port = LocalPort(*fd);
      first_fd = *fd;
    }
    auto loop = EventLoop::Create(i);
    if (!loop.ok()) {
      ::close(*fd);
      return loop.error();
    }
    (*loop)->StartLagProbe(server->options_.lag_probe_interval);
    server->loop_lag_.push_back((*loop)->lag_stats());
    auto worker = std::make_unique<internal::Worker>(
        *fd, std::move(*loop), server->options_, server->handler_,
        server->stats_, server->draining_);
    Status init = worker->Init();
    if (!init.ok()) return init.error();
    server->workers_.push_back(std::move(worker));
  }
  for (auto& worker : server->workers_) worker->SetPeers(&server->workers_);
  server->port_ = port;
  return server;
}

Server::~Server() { Stop(); }

Status Server::Start() {
  if (started_) return MakeError("server already started");
  started_ = true;
  for (auto& worker : workers_) {
    EventLoop* loop = &worker->loop();
    // Linux allows 15 bytes and a terminating NUL.
    std::string name =
        (options_.thread_name + "-" + std::to_string(loop->index()))
            .substr(0, 15);
    threads_.emplace_back([loop] { loop->Run(); });
    // Named from here, so the name is set when Start() returns.
    ::pthread_setname_np(threads_.back().native_handle(), name.c_str());
  }
  return Status::Ok();
}

void Server::Drain(std::chrono::milliseconds grace) {
  draining_.store(true);
  for (auto& worker : workers_) {
    internal::Worker* w = worker.get();
    w->loop().Post([w] { w->StartDrain(); });
  }
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (stats_.open_connections.load() > 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  Stop();
}

void Server::Stop() {
  if (stopped_) return;
  stopped_ = true;
  for (auto& worker : workers_) worker->loop().Quit();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
  workers_.clear();
}

}  // namespace staticship::http
