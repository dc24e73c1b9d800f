#include "services/scheduler/etcd_watch.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <thread>

#include "common/testing/ports.h"

namespace staticship::scheduler::etcd {
namespace {

using namespace std::chrono_literals;

TEST(ChunkedLineReaderTest, ReassemblesLinesSplitAcrossChunksAndReads) {
  const std::string body =
      "5\r\n{\"a\":\r\n3\r\n1}\n\r\n"
      "8\r\n{\"b\":2}\n\r\n";
  ChunkedLineReader reader;
  std::vector<std::string> lines;
  // Byte by byte: the worst a socket can do.
  for (char c : body) {
    reader.Feed(std::string_view(&c, 1));
    for (;;) {
      auto line = reader.NextLine();
      ASSERT_TRUE(line.ok()) << line.message();
      if (line->empty()) break;
      lines.push_back(*line);
    }
  }
  EXPECT_EQ(lines, (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"}));
}

TEST(ChunkedLineReaderTest, EndOfStreamAndBadFramingAreErrors) {
  ChunkedLineReader ended;
  ended.Feed("0\r\n\r\n");
  EXPECT_FALSE(ended.NextLine().ok());
  ChunkedLineReader bad;
  bad.Feed("zz\r\nabc");
  EXPECT_FALSE(bad.NextLine().ok());
}

// A one-shot server that answers a watch like etcd's gateway does.
TEST(EtcdWatchTest, ReadsAStreamedResponse) {
  Result<staticship::testing::Listener> listening =
      staticship::testing::ListenOnLoopback(1);
  ASSERT_TRUE(listening.ok()) << listening.message();
  const int listener = listening->fd.get();
  const int port = listening->port;
  std::string request;
  // The stream stays open between the lines: the end comes only once the
  // client has read the first.
  std::promise<void> first_line_read;
  std::thread server([&, first_read = first_line_read.get_future()] {
    int fd = ::accept(listener, nullptr, nullptr);
    char buf[4096];
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n > 0) request.assign(buf, static_cast<size_t>(n));
    std::string head =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n";
    std::string line1 = "{\"result\":{\"created\":true}}\n";
    char size[16];
    std::snprintf(size, sizeof(size), "%zx\r\n", line1.size());
    std::string first = head + size + line1 + "\r\n";
    ::send(fd, first.data(), first.size(), 0);
    first_read.wait_for(5s);
    ::send(fd, "0\r\n\r\n", 5, 0);
    ::close(fd);
  });
  EtcdWatch watch;
  ASSERT_TRUE(
      watch.Open("http://127.0.0.1:" + std::to_string(port), "/p/", 7, 1000ms)
          .ok());
  std::string got;
  for (int i = 0; i < 50 && got.empty(); ++i) {
    auto line = watch.Next(100ms);
    ASSERT_TRUE(line.ok()) << line.message();
    got = *line;
  }
  first_line_read.set_value();
  EXPECT_EQ(got, "{\"result\":{\"created\":true}}");
  Result<std::string> end = std::string();
  for (int i = 0; i < 50 && end.ok(); ++i) end = watch.Next(100ms);
  EXPECT_FALSE(end.ok());  // the server ended it: the caller reconnects
  server.join();
  EXPECT_NE(request.find("POST /v3/watch HTTP/1.1"), std::string::npos);
  EXPECT_NE(request.find("\"start_revision\":\"7\""), std::string::npos);
  EXPECT_NE(request.find("\"key\":\"L3Av\""), std::string::npos);
}

}  // namespace
}  // namespace staticship::scheduler::etcd
