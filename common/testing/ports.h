// Loopback ports for tests that run real servers and clients side by side.
#ifndef STATICSHIP_COMMON_TESTING_PORTS_H_
#define STATICSHIP_COMMON_TESTING_PORTS_H_

#include <netinet/in.h>

#include <cstdint>

#include "common/base/result.h"
#include "common/base/unique_fd.h"

namespace staticship::testing {

// A loopback port the kernel just handed out and nothing listens on now:
// for a server the test starts (which may race another process for it, a
// risk every such test takes) or, as DeadPort(), for a connection that must
// be refused.
uint16_t FreePort();
inline uint16_t DeadPort() { return FreePort(); }

// A socket listening on 127.0.0.1 at a kernel-chosen port, for tests that
// play a peer by hand.
struct Listener {
  UniqueFd fd;
  uint16_t port = 0;

  // 127.0.0.1:port, for a test that connect()s to the listener itself with
  // socket options of its own (non-blocking, to fill the accept queue).
  sockaddr_in address() const {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    return addr;
  }
};
Result<Listener> ListenOnLoopback(int backlog);

}  // namespace staticship::testing

#endif  // STATICSHIP_COMMON_TESTING_PORTS_H_
