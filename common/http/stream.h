// A connection the HTTP client reads and writes with deadlines: plain TCP or
// TLS over it. The socket is non-blocking; every wait is a poll() bounded by
// the caller's deadline, so a silent peer costs at most the deadline.
//
// Errors keep the client's codes and tags: kUnavailable ("[refused]",
// "[reset]", "[tls] ..."), kDeadlineExceeded ("[timeout] ..."), and for a
// peer that cannot be trusted kUnauthenticated ("[tls] certificate ...").
#ifndef STATICSHIP_COMMON_HTTP_STREAM_H_
#define STATICSHIP_COMMON_HTTP_STREAM_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/base/result.h"
#include "common/base/unique_fd.h"

namespace staticship::http {

using Clock = std::chrono::steady_clock;

// "[tag] message" with the code callers decide on.
Error TaggedError(ErrorCode code, std::string_view tag, std::string message);
Error UnavailableError(std::string_view tag, std::string message);
Error TimeoutError(std::string message);

// Waits for `events` on fd; false when the deadline passed first.
bool WaitFor(int fd, short events, Clock::time_point deadline);

// A connected non-blocking TCP socket (TCP_NODELAY) to host:port.
Result<UniqueFd> ConnectTcp(const std::string& host, uint16_t port,
                            Clock::time_point deadline);

class Stream {
 public:
  virtual ~Stream() = default;
  virtual int fd() const = 0;
  // Sends every byte before the deadline.
  virtual Status WriteAll(std::string_view data,
                          Clock::time_point deadline) = 0;
  // Up to `size` bytes, waiting until the deadline (kDeadlineExceeded);
  // 0 when the peer ended the stream (EOF, reset, TLS close_notify).
  virtual Result<size_t> Read(char* buf, size_t size,
                              Clock::time_point deadline) = 0;
  // Whether an idle pooled stream can carry another request: nothing may
  // be readable (readable means the peer closed it or sent something
  // unsolicited).
  bool IdleAndOpen() const;
};

class PlainStream : public Stream {
 public:
  explicit PlainStream(UniqueFd fd) : fd_(std::move(fd)) {}
  int fd() const override { return fd_.get(); }
  Status WriteAll(std::string_view data, Clock::time_point deadline) override;
  Result<size_t> Read(char* buf, size_t size,
                      Clock::time_point deadline) override;

 private:
  UniqueFd fd_;
};

}  // namespace staticship::http

#endif  // STATICSHIP_COMMON_HTTP_STREAM_H_
