// An upstream endpoint's socket address, for the proxy's connections and
// the health prober's alike.
#ifndef STATICSHIP_SERVICES_GATEWAY_ENDPOINT_ADDRESS_H_
#define STATICSHIP_SERVICES_GATEWAY_ENDPOINT_ADDRESS_H_

#include <sys/socket.h>

#include "services/gateway/config.h"

namespace staticship::gateway {

// Numeric addresses (IPv4, IPv6) are converted without a resolver call;
// names go through getaddrinfo (blocking, but only for non-numeric upstream
// names). False when the name does not resolve.
bool ResolveEndpoint(const Endpoint& e, sockaddr_storage* out, socklen_t* len);

}  // namespace staticship::gateway

#endif  // STATICSHIP_SERVICES_GATEWAY_ENDPOINT_ADDRESS_H_
