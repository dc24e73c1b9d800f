// The HTTP/1.1 exchange the registry client needs, behind an interface so
// that tests and callers can substitute another client.
//
// SocketTransport adapts the shared client (common/http/client.h):
// it brings a deadline per request and a keep-alive pool per host:port (a
// push is a few dozen requests to one host; reconnecting for each would cost
// more than the uploads on loopback). https URLs go over TLS (Mbed TLS),
// verified against the given CAs, or the system store when none are given;
// a kept-alive connection pays its handshake once for the whole push.
#ifndef STATICSHIP_RELEASE_REGISTRY_HTTP_TRANSPORT_H_
#define STATICSHIP_RELEASE_REGISTRY_HTTP_TRANSPORT_H_

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/base/result.h"
#include "common/http/client.h"
#include "release/registry/url.h"

namespace staticship::registry {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// Case-insensitive lookup; nullptr when absent.
const std::string* FindHeader(const HeaderList& headers, std::string_view name);

struct HttpRequest {
  std::string method;
  Url url;
  HeaderList headers;
  std::string_view body;  // not owned
};

struct HttpResponse {
  int status = 0;
  HeaderList headers;
  std::string body;

  const std::string* Header(std::string_view name) const {
    return FindHeader(headers, name);
  }
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // Any error is a failure to get an answer (refused, reset, timeout,
  // malformed reply); an HTTP error status is a successful exchange.
  virtual Result<HttpResponse> Send(const HttpRequest& request,
                                    std::chrono::milliseconds timeout) = 0;
  // Opens a connection to `url`'s origin for a Send soon after, from any
  // thread (http::Client::Preconnect). A transport without a pool has
  // nothing to prepare.
  virtual Status Preconnect(const Url& /*url*/) { return Status::Ok(); }
};

// Errors are http::Client's, unchanged, so http::IsRetryable and their codes
// classify them (kUnavailable, kDeadlineExceeded, ...).
class SocketTransport : public HttpTransport {
 public:
  // tls: the CAs for https; nullptr: the system store, loaded at the first
  // https request.
  explicit SocketTransport(std::shared_ptr<http::TlsContext> tls = nullptr);

  Result<HttpResponse> Send(const HttpRequest& request,
                            std::chrono::milliseconds timeout) override;
  Status Preconnect(const Url& url) override;

 private:
  http::Client client_;
};

}  // namespace staticship::registry

#endif  // STATICSHIP_RELEASE_REGISTRY_HTTP_TRANSPORT_H_
