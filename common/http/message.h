// HTTP/1.1 message types shared by the parser, the server and the client.
//
//   staticship::http::Request req;          // what the server hands a handler
//   req.headers.Get("content-type");        // case-insensitive, nullptr if
//   absent staticship::http::Response resp{200};   // what a handler answers
//   resp.headers.Set("Content-Type", "text/plain");
//   resp.body = "hello";
//
// Headers keep their original order and spelling (a proxy must forward them
// as received); lookup ignores ASCII case as RFC 9110 requires.
#ifndef STATICSHIP_COMMON_HTTP_MESSAGE_H_
#define STATICSHIP_COMMON_HTTP_MESSAGE_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace staticship::http {

namespace internal {
bool EqualsIgnoreCaseSameSize(std::string_view a, std::string_view b);
}  // namespace internal

// ASCII-only case-insensitive equality; header names are ASCII tokens.
// Inline so that the usual answer, different lengths, costs no call: every
// header lookup compares against each header's name.
inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && internal::EqualsIgnoreCaseSameSize(a, b);
}

// True when the comma-separated token list `list` (e.g. a Connection header)
// contains `token`, ignoring case and optional whitespace.
bool HasToken(std::string_view list, std::string_view token);

struct Header {
  std::string name;
  std::string value;
};

class Headers {
 public:
  void Add(std::string name, std::string value);
  // Replaces every header called `name` by a single one.
  void Set(std::string_view name, std::string value);
  // Removes every header called `name`; returns how many were removed.
  size_t Remove(std::string_view name);
  // Removes every header for which pred(header) is true, in place.
  template <typename Pred>
  size_t RemoveIf(Pred pred) {
    return std::erase_if(items_, pred);
  }

  // First value of `name`, or nullptr.
  const std::string* Get(std::string_view name) const;
  std::vector<std::string_view> GetAll(std::string_view name) const;
  bool Has(std::string_view name) const { return Get(name) != nullptr; }

  // Room for `n` headers without reallocating (parsers call it once).
  void Reserve(size_t n) { items_.reserve(n); }
  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  void clear() { items_.clear(); }
  std::vector<Header>::const_iterator begin() const { return items_.begin(); }
  std::vector<Header>::const_iterator end() const { return items_.end(); }

 private:
  std::vector<Header> items_;
};

struct Request {
  std::string method;     // "GET", case as sent (methods are case-sensitive)
  std::string target;     // request-target as sent, e.g. "/a/b?x=1"
  std::string path;       // target up to '?', origin-form
  std::string query;      // after '?', without it; empty when absent
  int version_minor = 1;  // HTTP/1.<minor>: 0 or 1
  Headers headers;
  std::string body;  // de-chunked
  // Whether the connection may be reused after this request (HTTP/1.1
  // default, HTTP/1.0 only with "Connection: keep-alive").
  bool keep_alive = true;
  bool was_chunked = false;
};

struct Response {
  Response() = default;
  explicit Response(int s) : status(s) {}
  Response(int s, std::string b) : status(s), body(std::move(b)) {}

  int status = 200;
  std::string reason;  // empty: the standard phrase for `status`
  int version_minor = 1;
  Headers headers;
  std::string body;
  // Set by the response parser: whether the peer lets us reuse the
  // connection. When a handler sets it to false the server closes the
  // connection after sending this response.
  bool keep_alive = true;
};

// "OK" for 200, "Not Found" for 404, ... ; "Unknown" for others.
std::string_view ReasonPhrase(int status);

// Whether a response with this status to this method carries no body
// (1xx, 204, 304, and any answer to HEAD).
bool ResponseHasNoBody(std::string_view request_method, int status);

// Serialises the request line and headers (not the body, so that callers can
// write a multi-MB body without copying it). Any Content-Length or
// Transfer-Encoding in `request.headers` is replaced by
// Content-Length: body_size when it is not 0 or the method is POST/PUT/PATCH.
// Uses `request.target`, or `path`?`query` when it is empty.
void AppendRequestHead(const Request& request, size_t body_size,
                       std::string* out);
inline void AppendRequestHead(const Request& request, std::string* out) {
  AppendRequestHead(request, request.body.size(), out);
}

// Serialises a response. Content-Length is computed from the body (any
// Content-Length or Transfer-Encoding header in `response` is replaced),
// except for statuses without body, and for HEAD answers with an empty body,
// which keep a given Content-Length (a proxy relays the upstream's).
// `head_request` omits the body but keeps its length. `close` adds "Connection:
// close"; otherwise HTTP/1.0 peers get "Connection: keep-alive".
void AppendResponse(const Response& response, bool head_request, bool close,
                    int peer_version_minor, std::string* out);

}  // namespace staticship::http

#endif  // STATICSHIP_COMMON_HTTP_MESSAGE_H_
