#include "services/gateway/access_log.h"

#include <charconv>
#include <cstdint>
#include <initializer_list>

namespace staticship::gateway {
namespace {

// "12.345": rounded to the microsecond.
void AppendDurationMs(std::chrono::nanoseconds d, std::string* out) {
  int64_t us = (d.count() + 500) / 1000;
  if (us < 0) us = 0;
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), us / 1000);
  *end++ = '.';
  int64_t frac = us % 1000;
  *end++ = static_cast<char>('0' + frac / 100);
  *end++ = static_cast<char>('0' + frac / 10 % 10);
  *end++ = static_cast<char>('0' + frac % 10);
  out->append(buf, static_cast<size_t>(end - buf));
}

void AppendField(std::string_view s, std::string* out) {
  if (s.empty()) {
    out->push_back('-');
    return;
  }
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    out->push_back(u <= 0x20 || u == 0x7f || c == '"' ? '_' : c);
  }
}

}  // namespace

void AppendAccessLogLine(const AccessLogEntry& entry, std::string* out) {
  for (std::string_view field : {entry.method, entry.path, entry.route}) {
    AppendField(field, out);
    out->push_back(' ');
  }
  char digits[16];
  auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), entry.status);
  out->append(digits, static_cast<size_t>(end - digits));
  out->push_back(' ');
  AppendField(entry.upstream, out);
  out->push_back(' ');
  AppendDurationMs(entry.duration, out);
  out->append("ms ");
  AppendField(entry.request_id, out);
  out->push_back(' ');
  AppendField(entry.peer, out);
  out->push_back('\n');
}

}  // namespace staticship::gateway
