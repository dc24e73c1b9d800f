#include "common/testing/ports.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace staticship::testing {
namespace {

int Connect(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  const int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  const int error = rc == 0 ? 0 : errno;
  ::close(fd);
  return error;
}

TEST(PortsTest, DeadPortRefusesConnections) {
  const uint16_t port = DeadPort();
  ASSERT_NE(port, 0);
  EXPECT_EQ(Connect(port), ECONNREFUSED);
}

TEST(PortsTest, FreePortCanBeListenedOn) {
  const uint16_t port = FreePort();
  ASSERT_NE(port, 0);
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ::close(fd);
}

TEST(PortsTest, ListenOnLoopbackAccepts) {
  Result<Listener> listener = ListenOnLoopback(4);
  ASSERT_TRUE(listener.ok()) << listener.message();
  ASSERT_NE(listener->port, 0);
  EXPECT_EQ(Connect(listener->port), 0);
}

TEST(PortsTest, ListenerAddressReachesTheListener) {
  Result<Listener> listener = ListenOnLoopback(4);
  ASSERT_TRUE(listener.ok()) << listener.message();
  const sockaddr_in addr = listener->address();
  EXPECT_EQ(addr.sin_family, AF_INET);
  EXPECT_EQ(ntohl(addr.sin_addr.s_addr), INADDR_LOOPBACK);
  EXPECT_EQ(ntohs(addr.sin_port), listener->port);
  UniqueFd client(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  ASSERT_TRUE(client.valid());
  EXPECT_EQ(::connect(client.get(), reinterpret_cast<const sockaddr*>(&addr),
                      sizeof addr),
            0)
      << std::strerror(errno);
  UniqueFd accepted(::accept(listener->fd.get(), nullptr, nullptr));
  EXPECT_TRUE(accepted.valid());
}

}  // namespace
}  // namespace staticship::testing
