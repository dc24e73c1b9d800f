#include "common/trace/chrome_trace.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

namespace staticship::trace {
namespace {

// Nanoseconds as microseconds with three decimals, without a double's
// rounding: "12.345".
void AppendMicros(int64_t ns, std::string* out) {
  char buf[32];
  const char* sign = ns < 0 ? "-" : "";
  const uint64_t abs = ns < 0 ? static_cast<uint64_t>(-ns) : ns;
  std::snprintf(buf, sizeof(buf), "%s%" PRIu64 ".%03" PRIu64, sign, abs / 1000,
                abs % 1000);
  out->append(buf);
}

}  // namespace

void AppendJsonString(std::string_view text, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(ch);
    } else if (c >= 0x20 && c < 0x7f) {
      out->push_back(ch);
    } else {
      out->append("\\u00");
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 0xf]);
    }
  }
  out->push_back('"');
}

std::string ChromeTraceJson(const Trace& trace, int pid,
                            const std::map<int, std::string>& thread_names) {
  std::string out;
  out.reserve(256 + trace.size * 160);
  const std::string pid_text = std::to_string(pid);
  out.append("{\"displayTimeUnit\":\"ms\",\"otherData\":{\"recorded_events\":");
  out.append(std::to_string(trace.size));
  out.append(",\"dropped_events\":");
  out.append(std::to_string(trace.dropped));
  out.append(",\"capacity\":");
  out.append(std::to_string(trace.capacity));
  out.append(",\"duration_us\":");
  AppendMicros(trace.end_ns - trace.start_ns, &out);
  out.append("},\"traceEvents\":[");
  bool first = true;
  auto next = [&] {
    if (!first) out.push_back(',');
    first = false;
  };
  for (const auto& [tid, name] : thread_names) {
    next();
    out.append("{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":");
    out.append(pid_text);
    out.append(",\"tid\":");
    out.append(std::to_string(tid));
    out.append(",\"args\":{\"name\":");
    AppendJsonString(name, &out);
    out.append("}}");
  }
  for (size_t i = 0; i < trace.size; ++i) {
    const Event& e = trace.events[i];
    next();
    out.append("{\"name\":");
    AppendJsonString(e.name, &out);
    out.append(",\"cat\":");
    AppendJsonString(e.category, &out);
    // A span may have started before the trace (a task queued earlier):
    // it is cut at the trace's start, where the viewer's time line begins.
    const int64_t early = std::max<int64_t>(trace.start_ns - e.start_ns, 0);
    out.append(",\"ph\":\"X\",\"ts\":");
    AppendMicros(e.start_ns + early - trace.start_ns, &out);
    out.append(",\"dur\":");
    AppendMicros(std::max<int64_t>(e.duration_ns - early, 0), &out);
    out.append(",\"pid\":");
    out.append(pid_text);
    out.append(",\"tid\":");
    out.append(std::to_string(e.tid));
    out.append(",\"args\":{");
    if (e.text_key != nullptr) {
      AppendJsonString(e.text_key, &out);
      out.push_back(':');
      AppendJsonString(std::string_view(e.text, e.text_size), &out);
    }
    if (e.number_key != nullptr) {
      if (e.text_key != nullptr) out.push_back(',');
      AppendJsonString(e.number_key, &out);
      out.push_back(':');
      out.append(std::to_string(e.number));
    }
    out.append("}}");
  }
  out.append("]}");
  return out;
}

}  // namespace staticship::trace
