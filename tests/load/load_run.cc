#include "tests/load/load_run.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/base/unique_fd.h"
#include "common/http/message.h"
#include "common/http/parser.h"
#include "tests/load/send_schedule.h"

namespace staticship::load {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// The epoll tag of the timer; connections are tagged with their index.
constexpr uint64_t kTimerTag = UINT64_MAX;
// A connection that failed is opened again after this long, so that a
// server refusing everything is not hammered in a busy loop.
constexpr milliseconds kReconnectDelay{10};
// How often requests in flight are checked against --timeout; a timeout is
// noticed this much late at most.
constexpr milliseconds kExpiryPeriod{10};
constexpr size_t kReadBufferBytes = 64 * 1024;

struct Address {
  sockaddr_storage storage{};
  socklen_t length = 0;
  std::string text;  // host:port, for messages
};

Result<Address> Resolve(const std::string& host, uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port_text = std::to_string(port);
  if (int rc = ::getaddrinfo(host.c_str(), port_text.c_str(), &hints, &found);
      rc != 0) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "cannot resolve '" + host + "': " + ::gai_strerror(rc));
  }
  Address address;
  std::memcpy(&address.storage, found->ai_addr, found->ai_addrlen);
  address.length = found->ai_addrlen;
  ::freeaddrinfo(found);
  address.text = host + ":" + port_text;
  return address;
}

std::string BuildRequest(const LoadOptions& options) {
  http::Request request;
  request.method = options.method;
  request.target = options.target;
  std::string host = options.host.find(':') != std::string::npos
                         ? "[" + options.host + "]"
                         : options.host;
  if (options.port != 80) host += ":" + std::to_string(options.port);
  request.headers.Add("Host", std::move(host));
  for (const auto& [name, value] : options.headers) {
    if (http::EqualsIgnoreCase(name, "Host")) {
      request.headers.Set(name, value);
    } else {
      request.headers.Add(name, value);
    }
  }
  std::string bytes;
  http::AppendRequestHead(request, options.body.size(), &bytes);
  bytes += options.body;
  return bytes;
}

uint64_t Nanos(Clock::duration d) {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(d);
  return ns.count() > 0 ? static_cast<uint64_t>(ns.count()) : 0;
}

// A non-blocking TCP socket with Nagle off (requests are small and each is
// written whole), connect() started. The error names the address.
Result<UniqueFd> StartConnect(const Address& address, bool* in_progress) {
  UniqueFd fd(::socket(address.storage.ss_family,
                       SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) {
    return MakeError(ErrorCode::kUnavailable,
                     std::string("socket: ") + std::strerror(errno));
  }
  int one = 1;
  ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  *in_progress = false;
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address.storage),
                address.length) != 0) {
    if (errno != EINPROGRESS) {
      return MakeError(ErrorCode::kUnavailable,
                       "connect " + address.text + ": " + std::strerror(errno));
    }
    *in_progress = true;
  }
  return fd;
}

// The result of a connect() that was in progress: 0 or an errno.
int ConnectError(int fd) {
  int error = 0;
  socklen_t length = sizeof(error);
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) {
    return errno;
  }
  return error;
}

// Connects before the run, waiting up to `timeout`: a refused or silent
// target is an error before any load is offered.
Result<UniqueFd> ConnectNow(const Address& address, milliseconds timeout) {
  bool in_progress = false;
  Result<UniqueFd> fd = StartConnect(address, &in_progress);
  if (!fd.ok() || !in_progress) return fd;
  pollfd p{fd->get(), POLLOUT, 0};
  const int ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
  if (ready == 0) {
    return MakeError(ErrorCode::kDeadlineExceeded,
                     "connect " + address.text + ": no answer within " +
                         std::to_string(timeout.count()) + " ms");
  }
  const int error = ready < 0 ? errno : ConnectError(fd->get());
  if (error != 0) {
    return MakeError(ErrorCode::kUnavailable,
                     "connect " + address.text + ": " + std::strerror(error));
  }
  return fd;
}

struct Connection {
  enum class State { kClosed, kConnecting, kIdle, kBusy };
  State state = State::kClosed;
  UniqueFd fd;
  http::ResponseParser parser;
  size_t written = 0;
  Clock::time_point intended;  // of the request in flight
  bool measured = false;       // whether that request is in the window
  Clock::time_point connect_started;
  Clock::time_point retry_at;  // when kClosed: when to open it again
};

// One thread's share: its connections, its slice of the schedule.
class Worker {
 public:
  Worker(const LoadOptions& options, const Address& address,
         const std::string& request, int index, int connections)
      : options_(options),
        address_(address),
        request_(request),
        index_(index),
        connections_(static_cast<size_t>(connections)),
        buffer_(kReadBufferBytes) {}

  Status Open();
  void Run(Clock::time_point start);
  const LoadResult& result() const { return result_; }

 private:
  bool open_loop() const { return options_.rate > 0; }
  void Watch(size_t i, uint32_t events, int op);
  void Reopen(size_t i, Clock::time_point now);
  void FinishConnect(size_t i, Clock::time_point now);
  void Send(size_t i, Clock::time_point intended, bool measured);
  void ContinueWrite(size_t i);
  void OnReadable(size_t i);
  void Complete(size_t i, const http::Response& response);
  // Loses the request in flight, if any (counted in `counter` when it is
  // measured), and closes the connection to open it again.
  void Fail(size_t i, uint64_t* counter);
  void Close(size_t i, Clock::time_point retry_at);
  void Expire(Clock::time_point now);
  void ArmTimer(Clock::time_point when);

  const LoadOptions& options_;
  const Address& address_;
  const std::string& request_;
  const int index_;
  UniqueFd epoll_;
  UniqueFd timer_;
  std::vector<Connection> connections_;
  // Oldest-idle first, so that requests go round the connections (and so
  // over all of a server's workers) as with wrk2, not always to the one
  // answered last.
  std::deque<size_t> idle_;
  size_t busy_ = 0;
  std::vector<char> buffer_;
  std::optional<Clock::time_point> armed_;
  Clock::time_point window_start_;
  Clock::time_point window_end_;
  LoadResult result_;
};

Status Worker::Open() {
  epoll_.Reset(::epoll_create1(EPOLL_CLOEXEC));
  timer_.Reset(::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
  if (!epoll_.valid() || !timer_.valid()) {
    return MakeError(ErrorCode::kInternal,
                     std::string("epoll/timerfd: ") + std::strerror(errno));
  }
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.u64 = kTimerTag;
  ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, timer_.get(), &event);
  for (size_t i = 0; i < connections_.size(); ++i) {
    Result<UniqueFd> fd = ConnectNow(address_, options_.timeout);
    if (!fd.ok()) return fd.error();
    connections_[i].fd = std::move(*fd);
    connections_[i].state = Connection::State::kIdle;
    Watch(i, EPOLLIN, EPOLL_CTL_ADD);
    idle_.push_back(i);
  }
  return Status::Ok();
}

void Worker::Watch(size_t i, uint32_t events, int op) {
  epoll_event event{};
  event.events = events;
  event.data.u64 = i;
  ::epoll_ctl(epoll_.get(), op, connections_[i].fd.get(), &event);
}

void Worker::Close(size_t i, Clock::time_point retry_at) {
  Connection& c = connections_[i];
  if (c.state == Connection::State::kBusy) --busy_;
  if (c.state == Connection::State::kIdle) std::erase(idle_, i);
  c.fd.Reset();  // closing also removes it from the epoll set
  c.parser = http::ResponseParser();
  c.parser.ExpectResponseTo(options_.method);
  c.state = Connection::State::kClosed;
  c.retry_at = retry_at;
}

void Worker::Reopen(size_t i, Clock::time_point now) {
  Connection& c = connections_[i];
  bool in_progress = false;
  Result<UniqueFd> fd = StartConnect(address_, &in_progress);
  if (!fd.ok()) {
    ++result_.errors.connect;
    c.retry_at = now + kReconnectDelay;
    return;
  }
  c.fd = std::move(*fd);
  c.connect_started = now;
  if (in_progress) {
    c.state = Connection::State::kConnecting;
    Watch(i, EPOLLOUT, EPOLL_CTL_ADD);
  } else {
    c.state = Connection::State::kIdle;
    Watch(i, EPOLLIN, EPOLL_CTL_ADD);
    idle_.push_back(i);
  }
}

void Worker::FinishConnect(size_t i, Clock::time_point now) {
  if (ConnectError(connections_[i].fd.get()) != 0) {
    ++result_.errors.connect;
    Close(i, now + kReconnectDelay);
    return;
  }
  connections_[i].state = Connection::State::kIdle;
  Watch(i, EPOLLIN, EPOLL_CTL_MOD);
  idle_.push_back(i);
}

void Worker::Send(size_t i, Clock::time_point intended, bool measured) {
  Connection& c = connections_[i];
  const Clock::time_point now = Clock::now();
  c.state = Connection::State::kBusy;
  ++busy_;
  c.intended = open_loop() ? intended : now;
  c.measured = measured;
  c.written = 0;
  if (measured) {
    ++result_.sent;
    if (open_loop()) result_.send_lag.Record(Nanos(now - intended));
  }
  ContinueWrite(i);
}

void Worker::ContinueWrite(size_t i) {
  Connection& c = connections_[i];
  const bool was_partial = c.written > 0;
  while (c.written < request_.size()) {
    const ssize_t n = ::send(c.fd.get(), request_.data() + c.written,
                             request_.size() - c.written, MSG_NOSIGNAL);
    if (n > 0) {
      c.written += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      if (!was_partial) Watch(i, EPOLLIN | EPOLLOUT, EPOLL_CTL_MOD);
      return;
    }
    Fail(i, &result_.errors.write);
    return;
  }
  if (was_partial) Watch(i, EPOLLIN, EPOLL_CTL_MOD);
}

void Worker::OnReadable(size_t i) {
  Connection& c = connections_[i];
  while (true) {
    const ssize_t n = ::read(c.fd.get(), buffer_.data(), buffer_.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN) Fail(i, &result_.errors.read);
      return;
    }
    if (n == 0) {
      if (c.state != Connection::State::kBusy) {
        // The server closed a connection between requests (its keep-alive
        // limit or timeout): not an error, but worth knowing.
        ++result_.reconnects;
        Close(i, Clock::now());
        return;
      }
      c.parser.FeedEof();
      if (c.parser.Next() == http::ParseStatus::kComplete) {
        Complete(i, c.parser.TakeMessage());
        if (c.state == Connection::State::kIdle) Close(i, Clock::now());
        return;
      }
      Fail(i, &result_.errors.read);
      return;
    }
    if (c.state != Connection::State::kBusy) {
      Fail(i, &result_.errors.parse);  // bytes nobody asked for
      return;
    }
    c.parser.Feed(std::string_view(buffer_.data(), static_cast<size_t>(n)));
    const http::ParseStatus status = c.parser.Next();
    if (status == http::ParseStatus::kComplete) {
      const http::Response response = c.parser.TakeMessage();
      Complete(i, response);
      if (!response.keep_alive) {
        ++result_.reconnects;
        Close(i, Clock::now());
      }
      return;
    }
    if (status == http::ParseStatus::kError) {
      Fail(i, &result_.errors.parse);
      return;
    }
    // A short read took everything there was: wait for the next event
    // instead of a read that would only say EAGAIN.
    if (static_cast<size_t>(n) < buffer_.size()) return;
  }
}

void Worker::Complete(size_t i, const http::Response& response) {
  const Clock::time_point done = Clock::now();
  Connection& c = connections_[i];
  if (c.measured) {
    ++result_.answered;
    if (response.status >= 200 && response.status < 300) ++result_.ok;
    result_.latency.Record(Nanos(done - c.intended));
  }
  if (done >= window_start_ && done < window_end_) ++result_.answered_in_window;
  ++result_.answered_total;
  c.state = Connection::State::kIdle;
  --busy_;
  idle_.push_back(i);
}

void Worker::Fail(size_t i, uint64_t* counter) {
  Connection& c = connections_[i];
  if (c.state == Connection::State::kBusy && c.measured) ++*counter;
  Close(i, Clock::now());
}

void Worker::Expire(Clock::time_point now) {
  for (size_t i = 0; i < connections_.size(); ++i) {
    Connection& c = connections_[i];
    if (c.state == Connection::State::kBusy &&
        now - c.intended > options_.timeout) {
      if (c.measured) ++result_.timeouts;
      // The answer may still come; a fresh connection cannot mistake it
      // for the answer to its next request.
      Close(i, now);
    } else if (c.state == Connection::State::kConnecting &&
               now - c.connect_started > options_.timeout) {
      ++result_.errors.connect;
      Close(i, now);
    }
  }
}

// Only ever moved earlier: a wake-up that comes too soon costs a loop
// iteration, while re-arming on every request would cost a system call.
void Worker::ArmTimer(Clock::time_point when) {
  if (armed_ && *armed_ <= when) return;
  const auto since = std::chrono::duration_cast<std::chrono::nanoseconds>(
                         when.time_since_epoch())
                         .count();
  itimerspec spec{};
  // steady_clock is CLOCK_MONOTONIC in both libc++ and libstdc++. An
  // absolute time of 0 would disarm the timer; 1 ns is long past.
  spec.it_value.tv_sec = since / 1000000000;
  spec.it_value.tv_nsec = std::max<int64_t>(since % 1000000000, 1);
  ::timerfd_settime(timer_.get(), TFD_TIMER_ABSTIME, &spec, nullptr);
  armed_ = when;
}

void Worker::Run(Clock::time_point start) {
  // Timers fire up to 50 us late by default (the kernel's timer slack),
  // which would add to every latency of an open-loop run.
  ::prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
  for (Connection& c : connections_) c.parser.ExpectResponseTo(options_.method);
  window_start_ = start + options_.warmup;
  window_end_ = window_start_ + options_.duration;
  const SendSchedule schedule(start, open_loop() ? options_.rate : 1, index_,
                              options_.threads);
  const uint64_t first_measured =
      open_loop() ? schedule.CountBefore(window_start_) : 0;
  const uint64_t end = open_loop() ? schedule.CountBefore(window_end_) : 0;
  result_.scheduled = end - first_measured;
  // Past this nothing measured can still be answered in time.
  const Clock::time_point give_up =
      window_end_ + options_.timeout + milliseconds(100);
  uint64_t next = 0;
  Clock::time_point next_expiry = start;
  epoll_event events[256];
  while (true) {
    const Clock::time_point now = Clock::now();
    if (now >= next_expiry) {
      Expire(now);
      next_expiry = now + kExpiryPeriod;
    }
    for (size_t i = 0; i < connections_.size(); ++i) {
      if (connections_[i].state == Connection::State::kClosed &&
          connections_[i].retry_at <= now) {
        Reopen(i, now);
      }
    }
    uint64_t due = 0;
    if (open_loop()) {
      due = std::min(schedule.DueAt(now), end);
      // Due so long ago that the answer could only come too late.
      while (next < due &&
             now - schedule.IntendedTime(next) > options_.timeout) {
        if (next >= first_measured) ++result_.timeouts;
        ++next;
      }
      while (next < due && !idle_.empty()) {
        const size_t i = idle_.front();
        idle_.pop_front();
        Send(i, schedule.IntendedTime(next), next >= first_measured);
        ++next;
      }
    } else if (now < window_end_) {
      while (!idle_.empty()) {
        const size_t i = idle_.front();
        idle_.pop_front();
        Send(i, now, now >= window_start_);
      }
    }
    const bool sending = open_loop() ? next < end : now < window_end_;
    if ((!sending && busy_ == 0) || now >= give_up) break;

    Clock::time_point wake = std::min(give_up, next_expiry);
    if (open_loop() && next < end) {
      wake = std::min(wake, next < due
                                ? schedule.IntendedTime(next) + options_.timeout
                                : schedule.IntendedTime(next));
    } else if (!open_loop() && sending) {
      wake = std::min(wake, window_end_);
    }
    for (const Connection& c : connections_) {
      if (c.state == Connection::State::kClosed)
        wake = std::min(wake, c.retry_at);
    }
    ArmTimer(wake);
    const int n = ::epoll_wait(epoll_.get(), events, 256, -1);
    if (n < 0) continue;  // EINTR
    for (int e = 0; e < n; ++e) {
      if (events[e].data.u64 == kTimerTag) {
        uint64_t expirations = 0;
        [[maybe_unused]] ssize_t r =
            ::read(timer_.get(), &expirations, sizeof(expirations));
        armed_.reset();
        continue;
      }
      const size_t i = static_cast<size_t>(events[e].data.u64);
      Connection& c = connections_[i];
      const uint32_t what = events[e].events;
      switch (c.state) {
        case Connection::State::kClosed:
          break;  // closed earlier in this batch
        case Connection::State::kConnecting:
          FinishConnect(i, Clock::now());
          break;
        case Connection::State::kIdle:
        case Connection::State::kBusy:
          if ((what & EPOLLOUT) && c.state == Connection::State::kBusy &&
              c.written < request_.size()) {
            ContinueWrite(i);
          }
          if ((what & (EPOLLIN | EPOLLHUP | EPOLLERR)) &&
              c.state != Connection::State::kClosed) {
            OnReadable(i);
          }
          break;
      }
    }
  }
  // What the give-up left: queued or in flight, never answered in time.
  if (open_loop()) {
    result_.timeouts += end - std::max(next, first_measured);
  }
  for (const Connection& c : connections_) {
    if (c.state == Connection::State::kBusy && c.measured) ++result_.timeouts;
  }
}

double CpuSeconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

}  // namespace

void LoadResult::Merge(const LoadResult& other) {
  latency.Merge(other.latency);
  send_lag.Merge(other.send_lag);
  scheduled += other.scheduled;
  sent += other.sent;
  answered += other.answered;
  ok += other.ok;
  timeouts += other.timeouts;
  errors.connect += other.errors.connect;
  errors.read += other.errors.read;
  errors.write += other.errors.write;
  errors.parse += other.errors.parse;
  reconnects += other.reconnects;
  answered_in_window += other.answered_in_window;
  answered_total += other.answered_total;
}

Result<LoadResult> RunLoad(const LoadOptions& options) {
  Result<Address> address = Resolve(options.host, options.port);
  if (!address.ok()) return address.error();
  const std::string request = BuildRequest(options);
  std::vector<std::unique_ptr<Worker>> workers;
  for (int t = 0; t < options.threads; ++t) {
    const int share = options.connections / options.threads +
                      (t < options.connections % options.threads ? 1 : 0);
    workers.push_back(
        std::make_unique<Worker>(options, *address, request, t, share));
    if (Status opened = workers.back()->Open(); !opened.ok()) {
      return opened.error();
    }
  }
  const double cpu_before = CpuSeconds();
  // A common start a little ahead, so that no thread begins behind.
  const Clock::time_point start = Clock::now() + milliseconds(5);
  std::vector<std::thread> threads;
  for (auto& worker : workers) {
    threads.emplace_back([&worker, start] { worker->Run(start); });
  }
  for (std::thread& thread : threads) thread.join();
  LoadResult total;
  for (const auto& worker : workers) total.Merge(worker->result());
  total.window_seconds =
      std::chrono::duration<double>(options.duration).count();
  total.cpu_seconds = CpuSeconds() - cpu_before;
  return total;
}

}  // namespace staticship::load
