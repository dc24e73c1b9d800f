#include "services/gateway/gzip.h"

#include <zlib.h>

#include <cstdlib>

namespace staticship::gateway {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

Result<std::string> GzipCompress(std::string_view data, int level) {
  z_stream zs{};
  // 15 + 16: gzip wrapper; no header name or mtime, so output is
  // deterministic.
  if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    return MakeError("deflateInit2 failed");
  }
  std::string out;
  out.resize(deflateBound(&zs, static_cast<uLong>(data.size())) + 32);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  size_t produced = zs.total_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return MakeError("deflate did not finish");
  out.resize(produced);
  return out;
}

Result<std::string> GzipDecompress(std::string_view data) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 16) != Z_OK)
    return MakeError("inflateInit2 failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char buf[16384];
  int rc = Z_OK;
  while (rc == Z_OK) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buf, sizeof(buf) - zs.avail_out);
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) break;
  }
  inflateEnd(&zs);
  if (rc != Z_STREAM_END) return MakeError("corrupt or truncated gzip data");
  return out;
}

bool AcceptsGzip(const http::Headers& request_headers) {
  for (std::string_view value : request_headers.GetAll("accept-encoding")) {
    while (!value.empty()) {
      size_t comma = value.find(',');
      std::string_view item = Trim(value.substr(0, comma));
      size_t semi = item.find(';');
      std::string coding = Lower(Trim(item.substr(0, semi)));
      if (coding == "gzip" || coding == "*") {
        double q = 1;
        if (semi != std::string_view::npos) {
          std::string params = Lower(item.substr(semi + 1));
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
  std::string t = Lower(Trim(content_type.substr(0, content_type.find(';'))));
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
  Result<std::string> z = GzipCompress(response->body, config.level);
  if (!z.ok()) return false;
  response->body = std::move(*z);
  response->headers.Add("Content-Encoding", "gzip");
  return true;
}

}  // namespace staticship::gateway
