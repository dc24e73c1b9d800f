// One /v3/watch stream of etcd's JSON gateway. The gateway answers a watch
// with a response that never ends: chunked transfer coding carrying one JSON
// object per line. Our http::Client returns whole responses only, so this
// reads the stream itself on a plain socket: the head is parsed with
// http::ResponseParser, the chunked body is decoded here line by line.
//
//   EtcdWatch watch;
//   Status s = watch.Open("http://127.0.0.1:2379", prefix, start_revision);
//   while (auto line = watch.Next(stop)) { ParseWatchLine(*line) ... }
#ifndef STATICSHIP_SERVICES_SCHEDULER_ETCD_WATCH_H_
#define STATICSHIP_SERVICES_SCHEDULER_ETCD_WATCH_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/base/result.h"

namespace staticship::scheduler::etcd {

// Decodes a chunked body incrementally into newline-delimited lines.
class ChunkedLineReader {
 public:
  void Feed(std::string_view bytes) { raw_.append(bytes); }
  // The next complete line, "" when more bytes are needed, an error when
  // the framing is broken or the stream ended.
  Result<std::string> NextLine();
  bool finished() const { return finished_; }

 private:
  Status Decode();
  std::string raw_;      // undecoded chunked bytes
  std::string decoded_;  // body bytes not yet returned as lines
  size_t chunk_left_ = 0;
  bool in_chunk_ = false;
  bool finished_ = false;
};

class EtcdWatch {
 public:
  EtcdWatch() = default;
  ~EtcdWatch();
  EtcdWatch(const EtcdWatch&) = delete;
  EtcdWatch& operator=(const EtcdWatch&) = delete;

  // Connects and sends the create request for every key under `prefix`
  // from `start_revision` (0: from now).
  Status Open(const std::string& endpoint, std::string_view prefix,
              int64_t start_revision,
              std::chrono::milliseconds connect_timeout);
  // Blocks for the next JSON line. Returns "" (ok) after `poll_interval`
  // without data so the caller can check whether to stop; an error when the
  // stream broke (reconnect from the last revision + 1).
  Result<std::string> Next(std::chrono::milliseconds poll_interval);
  void Close();

 private:
  int fd_ = -1;
  bool head_done_ = false;
  std::string head_;
  ChunkedLineReader body_;
};

}  // namespace staticship::scheduler::etcd

#endif  // STATICSHIP_SERVICES_SCHEDULER_ETCD_WATCH_H_
