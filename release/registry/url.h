// Absolute http(s) URLs as the registry protocol uses them: the registry
// base, a Location header that may be relative or absolute, a token realm.
#ifndef STATICSHIP_RELEASE_REGISTRY_URL_H_
#define STATICSHIP_RELEASE_REGISTRY_URL_H_

#include <string>
#include <string_view>

#include "common/base/result.h"

namespace staticship::registry {

struct Url {
  std::string scheme;  // "http" or "https"
  std::string host;    // without brackets for IPv6
  int port = 0;
  std::string target;  // path plus "?query", never empty ("/")

  // "host:port" as sent in the Host header.
  std::string Authority() const;
  std::string ToString() const;
};

Result<Url> ParseUrl(std::string_view text);

// Resolves a Location header against the URL of the request that returned
// it (RFC 3986 5.2, the cases registries use: absolute URL, absolute path,
// relative path). The query of the Location is kept.
Result<Url> ResolveReference(const Url& base, std::string_view location);

// Appends "name=value" to the query of target, with '?' or '&' as needed;
// value is percent-encoded.
std::string AppendQuery(std::string_view target, std::string_view name,
                        std::string_view value);

std::string PercentEncode(std::string_view text);

}  // namespace staticship::registry

#endif  // STATICSHIP_RELEASE_REGISTRY_URL_H_
