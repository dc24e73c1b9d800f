// libFuzzer harness for the request parser (built and run by
// ci/fuzz-gateway). Besides crashes and sanitizer reports it checks one
// property: feeding the bytes whole or in arbitrary pieces gives the same
// messages and the same final verdict, since TCP may split them anywhere.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "common/http/parser.h"

namespace {

using staticship::http::ParserLimits;
using staticship::http::ParseStatus;
using staticship::http::Request;
using staticship::http::RequestParser;

struct Outcome {
  std::vector<std::string> messages;  // a digest of each parsed request
  ParseStatus last = ParseStatus::kNeedMore;
  int error = 0;
};

std::string Digest(const Request& r) {
  std::string d = r.method + "|" + r.target + "|" + r.path + "|" + r.query +
                  "|" + std::to_string(r.version_minor) + "|" +
                  (r.keep_alive ? "k" : "c") + "|";
  for (const auto& h : r.headers) d += h.name + ":" + h.value + ";";
  d += "|" + r.body;
  return d;
}

void Drain(RequestParser& p, Outcome& out) {
  while (true) {
    ParseStatus s = p.Next();
    out.last = s;
    if (s != ParseStatus::kComplete) {
      out.error = static_cast<int>(p.error());
      return;
    }
    out.messages.push_back(Digest(p.TakeMessage()));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  // Small limits so that the limit paths are reached too.
  ParserLimits limits{.max_header_bytes = 2048, .max_body_bytes = 4096};
  size_t step = 1 + data[0] % 17;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);

  Outcome whole;
  RequestParser a(limits);
  a.Feed(input);
  Drain(a, whole);

  Outcome pieces;
  RequestParser b(limits);
  for (size_t i = 0; i < input.size() && pieces.last != ParseStatus::kError;
       i += step) {
    b.Feed(input.substr(i, step));
    Drain(b, pieces);
  }
  if (input.empty()) Drain(b, pieces);

  if (whole.messages != pieces.messages || whole.last != pieces.last ||
      whole.error != pieces.error) {
    std::abort();  // split-dependent parsing: a smuggling hazard
  }
  return 0;
}
