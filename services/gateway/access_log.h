// The access log's line format, one line per request:
//
//   method path route status upstream duration request_id peer
//   GET /api/one /api/* 200 127.0.0.1:8081 1.234ms 3f9a...c2 127.0.0.1
//
// Every field is one word, so that the line splits on spaces: an empty
// field is "-", and spaces, control characters and '"' become '_'. The route
// is "-" for requests no route matched, the upstream "-" when none was
// asked, and the duration is in milliseconds with three decimals.
#ifndef STATICSHIP_SERVICES_GATEWAY_ACCESS_LOG_H_
#define STATICSHIP_SERVICES_GATEWAY_ACCESS_LOG_H_

#include <chrono>
#include <string>
#include <string_view>

namespace staticship::gateway {

struct AccessLogEntry {
  std::string_view method;
  std::string_view path;
  std::string_view route;
  int status = 0;
  std::string_view upstream;
  std::chrono::nanoseconds duration{0};
  std::string_view request_id;
  std::string_view peer;
};

// Appends the entry's line, '\n' included, to `out` in place, field by
// field: no temporary strings and no printf, as this runs per request.
void AppendAccessLogLine(const AccessLogEntry& entry, std::string* out);

}  // namespace staticship::gateway

#endif  // STATICSHIP_SERVICES_GATEWAY_ACCESS_LOG_H_
