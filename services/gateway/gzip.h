// gzip response compression (zlib), with the negotiation rules of nginx's
// gzip module: only when the client accepts gzip, the type is compressible,
// the body is at least min_bytes and the response is not already encoded.
#ifndef STATICSHIP_SERVICES_GATEWAY_GZIP_H_
#define STATICSHIP_SERVICES_GATEWAY_GZIP_H_

#include <string>
#include <string_view>

#include "common/http/message.h"
#include "services/gateway/config.h"

namespace staticship::gateway {

// Whether "Accept-Encoding" allows gzip (a "gzip;q=0" refuses it).
bool AcceptsGzip(const http::Headers& request_headers);
bool IsCompressibleType(std::string_view content_type);

// Compresses `response` in place when the rules allow it, adding
// Content-Encoding and Vary. Returns whether it compressed.
bool MaybeGzip(const http::Request& request, const GzipConfig& config,
               http::Response* response);

}  // namespace staticship::gateway

#endif  // STATICSHIP_SERVICES_GATEWAY_GZIP_H_
