#include "services/gateway/gzip.h"

#include <cstdlib>

#include "common/archive/gzip.h"
#include "common/base/strings.h"

namespace staticship::gateway {

bool AcceptsGzip(const http::Headers& request_headers) {
  for (std::string_view value : request_headers.GetAll("accept-encoding")) {
    while (!value.empty()) {
      size_t comma = value.find(',');
      std::string_view item = Trim(value.substr(0, comma));
      size_t semi = item.find(';');
      std::string coding = AsciiLower(Trim(item.substr(0, semi)));
      if (coding == "gzip" || coding == "*") {
        double q = 1;
        if (semi != std::string_view::npos) {
          std::string params = AsciiLower(item.substr(semi + 1));
          size_t qpos = params.find("q=");
          if (qpos != std::string::npos)
            q = std::strtod(params.c_str() + qpos + 2, nullptr);
        }
        if (q > 0) return true;
        if (coding == "gzip") return false;
      }
      if (comma == std::string_view::npos) break;
      value.remove_prefix(comma + 1);
    }
  }
  return false;
}

bool IsCompressibleType(std::string_view content_type) {
  std::string t =
      AsciiLower(Trim(content_type.substr(0, content_type.find(';'))));
  if (t.rfind("text/", 0) == 0) return true;
  if (t == "application/json" || t == "application/javascript" ||
      t == "application/xml" || t == "image/svg+xml" ||
      t == "application/x-ndjson") {
    return true;
  }
  return t.size() > 5 && (t.compare(t.size() - 5, 5, "+json") == 0 ||
                          t.compare(t.size() - 4, 4, "+xml") == 0);
}

bool MaybeGzip(const http::Request& request, const GzipConfig& config,
               http::Response* response) {
  if (!config.enabled || request.method == "HEAD") return false;
  if (http::ResponseHasNoBody(request.method, response->status)) return false;
  // The cheapest test first: most proxied answers are small.
  if (response->body.size() < config.min_bytes) return false;
  if (response->headers.Has("content-encoding")) return false;  // pass through
  const std::string* type = response->headers.Get("content-type");
  if (type == nullptr || !IsCompressibleType(*type)) return false;
  // The answer depends on Accept-Encoding from here on: caches must know.
  const std::string* vary = response->headers.Get("vary");
  if (vary == nullptr) {
    response->headers.Add("Vary", "Accept-Encoding");
  } else if (!http::HasToken(*vary, "accept-encoding")) {
    response->headers.Set("Vary", *vary + ", Accept-Encoding");
  }
  if (!AcceptsGzip(request.headers)) return false;
  Result<std::string> z = archive::GzipCompress(response->body, config.level);
  if (!z.ok()) return false;
  response->body = std::move(*z);
  response->headers.Add("Content-Encoding", "gzip");
  return true;
}

}  // namespace staticship::gateway
