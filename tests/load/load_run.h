// Runs one load: connections spread over threads, each thread one epoll
// loop with its own connections and its own share of the schedule
// (send_schedule.h). HTTP/1.1 keep-alive, one request in flight per
// connection, as wrk and wrk2 do; a request due while every connection of
// its thread is busy waits in the generator, and that wait is part of its
// latency.
#ifndef STATICSHIP_TESTS_LOAD_LOAD_RUN_H_
#define STATICSHIP_TESTS_LOAD_LOAD_RUN_H_

#include <cstdint>

#include "common/base/result.h"
#include "tests/load/histogram.h"
#include "tests/load/load_options.h"

namespace staticship::load {

// Requests lost other than by timeout, by where they failed.
struct ErrorCounts {
  uint64_t connect = 0;  // a (re)connect refused or failed
  uint64_t read = 0;     // reset, or closed before the whole answer
  uint64_t write = 0;
  uint64_t parse = 0;  // an answer that is not HTTP/1.x
  uint64_t total() const { return connect + read + write + parse; }
};

struct LoadResult {
  // Nanoseconds from the intended time (closed loop: from the write) to the
  // end of the answer, for every answered request of the measured window.
  LatencyHistogram latency;
  // Open loop: nanoseconds from the intended time to the write; what the
  // generator itself (a busy connection, a late thread) added.
  LatencyHistogram send_lag;
  // Requests of the measured window: due (open loop), written, answered,
  // answered 2xx, given up after --timeout.
  uint64_t scheduled = 0;
  uint64_t sent = 0;
  uint64_t answered = 0;
  uint64_t ok = 0;
  uint64_t timeouts = 0;
  ErrorCounts errors;
  // Connections closed by the server between requests and opened again.
  uint64_t reconnects = 0;
  // Answers (to any request) that arrived inside the window: the
  // throughput, as wrk counts it.
  uint64_t answered_in_window = 0;
  // Answers to any request, warm-up and drain included: what the server
  // did over the whole run (a benchmark divides its CPU time by it).
  uint64_t answered_total = 0;
  double window_seconds = 0;
  // CPU seconds (user + system) the generator used, all threads.
  double cpu_seconds = 0;

  void Merge(const LoadResult& other);
  double achieved_rate() const {
    return window_seconds > 0
               ? static_cast<double>(answered_in_window) / window_seconds
               : 0;
  }
};

// Fails only when the run cannot start (the host does not resolve, the
// first connections are refused); failures during the run are counted.
Result<LoadResult> RunLoad(const LoadOptions& options);

}  // namespace staticship::load

#endif  // STATICSHIP_TESTS_LOAD_LOAD_RUN_H_
