// Picks the route for a request: the first route in file order whose path,
// methods, headers and query conditions all hold (Envoy and go-zero order).
// A prefix route "/a/*" matches "/a", "/a/" and everything below "/a/".
// A `path_regex` route takes its place in that order like any other: it is
// not tried after the exact and prefix routes (nginx's order), so a regex
// route above a "/*" catch-all wins and one below it never does. Regex
// conditions (path, header, query value) match the whole string, as
// Envoy's safe_regex does.
#ifndef STATICSHIP_SERVICES_GATEWAY_ROUTE_MATCHER_H_
#define STATICSHIP_SERVICES_GATEWAY_ROUTE_MATCHER_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/http/message.h"
#include "services/gateway/config.h"

namespace staticship::gateway {

// Decodes %XX and '+' (form encoding) in a query component.
std::string DecodeQueryComponent(std::string_view s);

// Value of `key` in a raw query string ("a=1&b=2"), decoded; nullopt when
// the key is absent. A key without '=' has the empty value.
std::optional<std::string> QueryValue(std::string_view query,
                                      std::string_view key);

bool RouteMatches(const RouteConfig& route, const http::Request& request);

// Index of the first matching route, or nullopt.
std::optional<size_t> MatchRoute(const std::vector<RouteConfig>& routes,
                                 const http::Request& request);

}  // namespace staticship::gateway

#endif  // STATICSHIP_SERVICES_GATEWAY_ROUTE_MATCHER_H_
