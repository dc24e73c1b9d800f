#include "common/testing/ports.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace staticship::testing {
namespace {

Error SocketError(const char* what) {
  return MakeError(std::string(what) + ": " + std::strerror(errno));
}

// Binds to 127.0.0.1 port 0 and reads back the port the kernel chose.
Result<Listener> BindLoopback() {
  Listener out{UniqueFd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0))};
  if (!out.fd.valid()) return SocketError("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(out.fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) !=
      0) {
    return SocketError("bind");
  }
  socklen_t len = sizeof addr;
  if (::getsockname(out.fd.get(), reinterpret_cast<sockaddr*>(&addr), &len) !=
      0) {
    return SocketError("getsockname");
  }
  out.port = ntohs(addr.sin_port);
  return out;
}

}  // namespace

uint16_t FreePort() {
  Result<Listener> bound = BindLoopback();
  return bound.ok() ? bound->port : 0;
}

Result<Listener> ListenOnLoopback(int backlog) {
  Result<Listener> bound = BindLoopback();
  if (!bound.ok()) return bound.error();
  if (::listen(bound->fd.get(), backlog) != 0) return SocketError("listen");
  return bound;
}

}  // namespace staticship::testing
