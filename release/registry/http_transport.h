// The HTTP/1.1 exchange the registry client needs, behind an interface so
// that tests and callers can substitute another client.
//
// SocketTransport is a thin blocking client with a deadline per request and
// one kept-alive connection per authority (a push is a few dozen requests to
// one host; reconnecting for each would cost more than the uploads on
// loopback). It speaks plain http only: there is no TLS library in the
// static build, so https registries are refused with a clear error.
#ifndef STATICSHIP_RELEASE_REGISTRY_HTTP_TRANSPORT_H_
#define STATICSHIP_RELEASE_REGISTRY_HTTP_TRANSPORT_H_

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "release/registry/unique_fd.h"
#include "release/registry/url.h"
#include "services/common/result.h"

namespace staticship::registry {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// Case-insensitive lookup; nullptr when absent.
const std::string* FindHeader(const HeaderList& headers, std::string_view name);

struct HttpRequest {
  std::string method;
  Url url;
  HeaderList headers;
  std::string_view body;  // not owned: blobs are not copied per attempt
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
};

class SocketTransport : public HttpTransport {
 public:
  Result<HttpResponse> Send(const HttpRequest& request,
                            std::chrono::milliseconds timeout) override;

 private:
  Result<HttpResponse> SendOnce(const HttpRequest& request, UniqueFd& fd,
                                std::chrono::steady_clock::time_point deadline);
  std::map<std::string, UniqueFd> idle_;  // authority -> kept-alive socket
};

}  // namespace staticship::registry

#endif  // STATICSHIP_RELEASE_REGISTRY_HTTP_TRANSPORT_H_
