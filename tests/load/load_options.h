// What one load run does, read from the command line (the one grammar of
// //common/base:flags). Every bad value is an error naming its flag.
#ifndef STATICSHIP_TESTS_LOAD_LOAD_OPTIONS_H_
#define STATICSHIP_TESTS_LOAD_LOAD_OPTIONS_H_

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "common/base/result.h"

namespace staticship::load {

struct LoadOptions {
  // From --url http://HOST[:PORT][/TARGET].
  std::string host;
  uint16_t port = 80;
  std::string target = "/";
  std::string method = "GET";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // Requests per second over all connections; 0 with --closed-loop, where
  // each connection sends its next request as soon as the last is answered
  // (wrk's way, for measuring the most a server can do).
  double rate = 0;
  int connections = 16;
  int threads = 1;
  // Requests intended in [warm-up, warm-up + duration) are measured.
  std::chrono::milliseconds warmup{1000};
  std::chrono::milliseconds duration{10000};
  // From the intended time: a request queued or in flight longer is given
  // up and counted as a timeout.
  std::chrono::milliseconds timeout{2000};
  // Where the JSON report goes; empty: none.
  std::string report_path;
  bool help = false;
};

// The command's arguments without the program name.
Result<LoadOptions> ParseLoadOptions(std::span<const std::string> args);
std::string LoadUsage();

}  // namespace staticship::load

#endif  // STATICSHIP_TESTS_LOAD_LOAD_OPTIONS_H_
