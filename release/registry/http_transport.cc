#include "release/registry/http_transport.h"

#include <algorithm>
#include <limits>

#include "common/http/message.h"

namespace staticship::registry {
namespace {

http::ClientOptions TransportOptions(std::shared_ptr<http::TlsContext> tls) {
  http::ClientOptions options;
  options.tls = std::move(tls);
  // The caller's timeout covers the whole exchange, connect included, as it
  // did before this transport moved onto the shared client; its own 5 s
  // connect limit would make a slow registry fail in a way callers cannot
  // configure.
  options.connect_timeout = std::chrono::hours(24);
  // Layers are pulled into memory whole and checked against their digest;
  // the shared default (1 GiB) would turn a large layer into a protocol
  // error that is then retried.
  options.max_response_body = std::numeric_limits<size_t>::max();
  options.max_response_header = 256 * 1024;
  return options;
}

}  // namespace

const std::string* FindHeader(const HeaderList& headers,
                              std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (http::EqualsIgnoreCase(key, name)) return &value;
  }
  return nullptr;
}

SocketTransport::SocketTransport(std::shared_ptr<http::TlsContext> tls)
    : client_(TransportOptions(std::move(tls))) {}

Status SocketTransport::Preconnect(const Url& url) {
  return client_.Preconnect(url.ToString());
}

Result<HttpResponse> SocketTransport::Send(const HttpRequest& request,
                                           std::chrono::milliseconds timeout) {
  http::ClientRequest wire;
  wire.method = request.method;
  wire.url = request.url.ToString();
  for (const auto& [name, value] : request.headers) {
    wire.headers.Add(name, value);
  }
  // The shared client owns its body, so each attempt copies the blob once;
  // the copy lives only for this call.
  wire.body = std::string(request.body);
  // A zero timeout means "the client's default (30 s)" to http::Client; a
  // caller whose deadline has already passed wants the shortest wait instead.
  wire.timeout = std::max(timeout, std::chrono::milliseconds(1));

  Result<http::Response> answer = client_.Send(wire);
  if (!answer.ok()) return answer.error();
  HttpResponse response;
  response.status = answer->status;
  response.headers.reserve(answer->headers.size());
  for (const http::Header& header : answer->headers) {
    response.headers.emplace_back(header.name, header.value);
  }
  response.body = std::move(answer->body);
  return response;
}

}  // namespace staticship::registry
