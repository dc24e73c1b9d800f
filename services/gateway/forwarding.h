// What the gateway changes in a message it passes on, in either direction.
//
// Upstream, the client's request goes out with:
//   - the request line in origin-form (an absolute-form target becomes
//     path?query) and HTTP/1.1, whatever version the client spoke;
//   - hop-by-hop headers dropped (RFC 9110 7.6.1: Connection, Keep-Alive,
//     Proxy-Connection, Proxy-Authenticate, Proxy-Authorization, TE, Trailer,
//     Transfer-Encoding, Upgrade, and every header Connection names);
//   - X-Forwarded-For: the client's first one, then ", " and the peer
//     address; any later X-Forwarded-For is dropped;
//   - X-Forwarded-Proto: http and Host: the upstream endpoint, when the
//     client sent none (HTTP/1.0 may omit Host, HTTP/1.1 upstreams need it);
//   - X-Request-Id when the gateway generated one;
//   - the body re-framed with Content-Length (sent when there is a body or
//     the method is POST, PUT or PATCH).
// Downstream, the upstream's response loses its hop-by-hop headers.
#ifndef STATICSHIP_SERVICES_GATEWAY_FORWARDING_H_
#define STATICSHIP_SERVICES_GATEWAY_FORWARDING_H_

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "common/http/message.h"

namespace staticship::gateway {

// What the gateway adds to a forwarded request.
// Every member has a default, so a designated initializer may leave any out
// (gcc's -Wextra warns about a member without one).
struct ForwardedFrom {
  // The client's address, appended to X-Forwarded-For.
  std::string_view peer{};
  // Sent as X-Request-Id when not empty: an id the client did not send.
  std::string_view generated_request_id{};
  // Sent as Host when the client sent none.
  std::string_view upstream_host{};
};

// Appends the request to send upstream to `out` (a recycled buffer). The
// client's request is serialised as it stands, without first copying every
// header into a new Request: this runs per request.
void AppendForwardedRequest(const http::Request& in, const ForwardedFrom& from,
                            std::string* out);

// Removes the hop-by-hop headers from an upstream's response, in place.
void RemoveHopByHop(http::Headers* headers);

// Whether header `name` of a message with `headers` is hop-by-hop.
bool IsHopByHop(std::string_view name, const http::Headers& headers);

// IsHopByHop for every header of one message: the Connection header is
// split into its tokens once, not re-parsed for every header. The tokens are
// copied (short: no allocation) so that the headers may be edited while
// this is in use.
class HopByHop {
 public:
  explicit HopByHop(const http::Headers& headers);
  bool operator()(std::string_view name) const;

 private:
  // Typically one token ("keep-alive" or "close"): no vector for it.
  std::array<std::string, 2> first_;
  size_t count_ = 0;
  std::vector<std::string> more_;
};

}  // namespace staticship::gateway

#endif  // STATICSHIP_SERVICES_GATEWAY_FORWARDING_H_
