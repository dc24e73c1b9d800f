// A blocking HTTP/1.1 client, http and https (TLS 1.2 through Mbed TLS,
// certificates verified: tls_stream.h), for tools and worker threads.
//
//   staticship::http::Client client;   // thread-safe; keeps a keep-alive pool
//   staticship::http::ClientRequest req;
//   req.method = "PUT";
//   req.url = "http://127.0.0.1:5000/v2/app/blobs/uploads/x?digest=sha256:..";
//   req.headers.Add("Content-Type", "application/octet-stream");
//   req.body = std::move(blob);                    // any size
//   auto resp = client.Send(req);
//   if (!resp.ok()) {
//     if (staticship::http::IsRetryable(resp.error())) { ...back off, retry }
//     return resp.error();
//   }
//   resp->status; resp->headers.Get("Location"); resp->body;
//
// Connections are reused per scheme, host and port (at most
// max_idle_per_host idle ones kept), so a TLS handshake is paid once per
// connection, not per request, and a new connection to a server resumes the
// last TLS session instead of repeating the key exchange. A request that fails
// on a reused connection before any response byte arrives is retried once on a
// fresh connection, because the server may have closed the idle connection just
// as we sent (every HTTP client does this; the request was never processed).
// Responses may be framed by Content-Length, chunked coding or connection
// close; answers to HEAD carry no body. Interim 100 responses are skipped.
#ifndef STATICSHIP_COMMON_HTTP_CLIENT_H_
#define STATICSHIP_COMMON_HTTP_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"
#include "common/http/message.h"
#include "common/http/stream.h"

namespace staticship::http {

class TlsContext;  // tls_context.h

struct Url {
  bool tls = false;  // https
  std::string host;  // without brackets for IPv6
  uint16_t port = 80;
  std::string target;  // path and query, at least "/"
};

// Parses "http[s]://host[:port][/path][?query]"; the port defaults to 80
// or 443.
Result<Url> ParseUrl(std::string_view url);

// Resolves a Location header (absolute or relative) against the URL of the
// request that returned it, keeping its query string.
std::string ResolveLocation(std::string_view base_url,
                            std::string_view location);

struct ClientOptions {
  std::chrono::milliseconds connect_timeout{5000};
  // Whole exchange (connect, send, receive) unless the request sets one.
  std::chrono::milliseconds timeout{30000};
  size_t max_idle_per_host = 4;
  size_t max_response_body = size_t{1} << 30;
  size_t max_response_header = 64 * 1024;
  std::string user_agent = "staticship";
  // The CAs https servers are verified against. Empty: the system store
  // (TlsContext::FromSystemStore), loaded at the first https request.
  std::shared_ptr<TlsContext> tls;
};

struct ClientRequest {
  std::string method = "GET";
  std::string url;
  Headers headers;  // Host, Content-Length and User-Agent are added
  std::string body;
  std::chrono::milliseconds timeout{0};  // 0: ClientOptions::timeout
};

// Transport failures carry a code, which survives any context callers add:
//   kUnavailable       the name did not resolve, the connection was refused
//                      or reset, or closed before a complete response
//   kDeadlineExceeded  connecting, sending or the answer took too long
//   kInternal          the answer was not HTTP (unparsable response)
//   kUnauthenticated   the server's certificate failed verification
//   kFailedPrecondition  no TLS possible: a plain-http server on an https
//                      URL, no shared cipher, no CA store
// Their messages start with a tag for people ("[refused] ...", "[timeout]
// ..."); no code reads it.
//
// Unavailable and deadline exceeded: the request may be retried with backoff
// (the caller decides whether its method is idempotent).
bool IsRetryable(const Error& error);

class Client {
 public:
  explicit Client(ClientOptions options = {});
  ~Client();  // closes pooled connections
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  Result<Response> Send(const ClientRequest& request);
  Result<Response> Get(std::string_view url);
  Result<Response> Post(std::string_view url, std::string body,
                        std::string_view content_type);

  // Connects to `url`'s origin (and completes the TLS handshake for https)
  // and leaves the connection idle in the pool, for a request that will
  // need a connection of its own soon, from any thread: the handshake then
  // overlaps whatever the caller does meanwhile instead of delaying that
  // request. Nothing is sent.
  Status Preconnect(std::string_view url);

  // Idle pooled connections (for tests).
  size_t idle_connections() const;

 private:
  Result<Response> SendOnce(const ClientRequest& request, const Url& url,
                            bool allow_reuse, bool* retry_fresh);
  Result<std::unique_ptr<Stream>> Open(const Url& url,
                                       Clock::time_point deadline);
  Result<std::shared_ptr<TlsContext>> Tls();
  std::unique_ptr<Stream> TakeIdle(const std::string& key);
  void ReturnIdle(const std::string& key, std::unique_ptr<Stream> stream);

  ClientOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, std::vector<std::unique_ptr<Stream>>> idle_;
  std::shared_ptr<TlsContext> tls_;  // guarded by mu_
};

}  // namespace staticship::http

#endif  // STATICSHIP_COMMON_HTTP_CLIENT_H_
