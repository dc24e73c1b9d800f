#include "common/http/client.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "common/http/server.h"
#include "common/testing/ports.h"

namespace staticship::http {
namespace {

using namespace std::chrono_literals;

// A listener that accepts one connection, reads a request head, writes
// `reply` verbatim and closes: for framings our server never produces.
class OneShotPeer {
 public:
  explicit OneShotPeer(std::string reply, std::chrono::milliseconds delay = 0ms)
      : reply_(std::move(reply)) {
    auto listener = staticship::testing::ListenOnLoopback(8);
    EXPECT_TRUE(listener.ok()) << listener.message();
    if (listener.ok()) listener_ = std::move(*listener);
    thread_ = std::thread([this, delay] {
      int c = ::accept(listener_.fd.get(), nullptr, nullptr);
      if (c < 0) return;
      std::string got;
      char buf[4096];
      while (got.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = ::recv(c, buf, sizeof(buf), 0);
        if (n <= 0) break;
        got.append(buf, static_cast<size_t>(n));
      }
      request_ = got;
      std::this_thread::sleep_for(delay);
      [[maybe_unused]] ssize_t w =
          ::send(c, reply_.data(), reply_.size(), MSG_NOSIGNAL);
      ::close(c);
    });
  }
  ~OneShotPeer() {
    ::shutdown(listener_.fd.get(), SHUT_RDWR);
    thread_.join();
  }
  std::string url(std::string_view path = "/") const {
    return "http://127.0.0.1:" + std::to_string(listener_.port) +
           std::string(path);
  }
  const std::string& request() const { return request_; }

 private:
  std::string reply_;
  staticship::testing::Listener listener_;
  std::string request_;
  std::thread thread_;
};

std::unique_ptr<Server> EchoServer() {
  auto s = Server::Create({}, [](Request req, Responder r) {
    Response resp(200, req.method + ":" + req.target + ":" +
                           std::to_string(req.body.size()));
    if (const std::string* h = req.headers.Get("x-echo")) {
      resp.headers.Add("X-Echo", *h);
    }
    resp.headers.Add("Location", "/v2/next?state=abc");
    if (req.path == "/close") resp.keep_alive = false;
    r.Send(std::move(resp));
  });
  EXPECT_TRUE(s.ok());
  EXPECT_TRUE((*s)->Start().ok());
  return std::move(*s);
}

TEST(UrlTest, ParsesAndResolves) {
  auto u = ParseUrl("http://reg.local:5000/v2/x?y=1");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "reg.local");
  EXPECT_EQ(u->port, 5000);
  EXPECT_EQ(u->target, "/v2/x?y=1");
  auto v = ParseUrl("http://[::1]");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->host, "::1");
  EXPECT_EQ(v->port, 80);
  EXPECT_EQ(v->target, "/");
  EXPECT_FALSE(ParseUrl("ftp://x/").ok());
  EXPECT_FALSE(ParseUrl("http://x:99999/").ok());
  EXPECT_FALSE(ParseUrl("http://:80/").ok());
  EXPECT_EQ(ResolveLocation("http://h:1/v2/a/blobs/uploads/", "/v2/u?s=1"),
            "http://h:1/v2/u?s=1");
  EXPECT_EQ(ResolveLocation("http://h:1/v2/a/", "http://o:2/x"),
            "http://o:2/x");
  EXPECT_EQ(ResolveLocation("http://h:1/v2/a/b?q", "c?d"),
            "http://h:1/v2/a/c?d");
}

TEST(ClientTest, ReusesKeepAliveConnections) {
  auto server = EchoServer();
  std::string base = "http://127.0.0.1:" + std::to_string(server->port());
  Client client;
  for (int i = 0; i < 5; ++i) {
    auto r = client.Get(base + "/a?b=" + std::to_string(i));
    ASSERT_TRUE(r.ok()) << r.message();
    EXPECT_EQ(r->body, "GET:/a?b=" + std::to_string(i) + ":0");
    EXPECT_EQ(*r->headers.Get("location"), "/v2/next?state=abc");
  }
  EXPECT_EQ(client.idle_connections(), 1u);
  EXPECT_EQ(server->stats().accepted_total.load(), 1u);
}

TEST(ClientTest, PreconnectedConnectionServesTheNextRequest) {
  auto server = EchoServer();
  std::string base = "http://127.0.0.1:" + std::to_string(server->port());
  Client client;
  ASSERT_TRUE(client.Preconnect(base + "/ignored").ok());
  EXPECT_EQ(client.idle_connections(), 1u);
  auto r = client.Get(base + "/a");
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r->body, "GET:/a:0");
  EXPECT_EQ(server->stats().accepted_total.load(), 1u);
  EXPECT_EQ(client.idle_connections(), 1u);

  // A refused connection is an error, and nothing is pooled.
  const std::string closed =
      "http://127.0.0.1:" + std::to_string(staticship::testing::DeadPort());
  Client other;
  Status refused = other.Preconnect(closed);
  EXPECT_FALSE(refused.ok());
  EXPECT_EQ(refused.code(), ErrorCode::kUnavailable) << refused.message();
  EXPECT_EQ(other.idle_connections(), 0u);
  EXPECT_FALSE(client.Preconnect("ftp://127.0.0.1/").ok());
}

TEST(ClientTest, LargeBodyAndHead) {
  auto server = EchoServer();
  std::string base = "http://127.0.0.1:" + std::to_string(server->port());
  Client client;
  ClientRequest put;
  put.method = "PUT";
  put.url = base + "/blob";
  put.body = std::string(5 * 1024 * 1024, 'z');  // larger than socket buffers
  put.headers.Add("X-Echo", "yes");
  // The echo server's default limit is 1 MiB: expect 413, then retry on a
  // server that accepts it.
  auto r = client.Send(put);
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r->status, 413);

  ServerOptions big;
  big.limits.max_body_bytes = 8 * 1024 * 1024;
  auto s2 = Server::Create(big, [](Request req, Responder resp) {
    resp.Send(Response(201, std::to_string(req.body.size())));
  });
  ASSERT_TRUE(s2.ok());
  ASSERT_TRUE((*s2)->Start().ok());
  put.url = "http://127.0.0.1:" + std::to_string((*s2)->port()) + "/blob";
  r = client.Send(put);
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->body, std::to_string(5 * 1024 * 1024));

  ClientRequest head;
  head.method = "HEAD";
  head.url = base + "/h";
  r = client.Send(head);
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r->body, "");
  EXPECT_EQ(*r->headers.Get("content-length"), "9");  // "HEAD:/h:0"
  // The connection stays usable after a body-less HEAD answer.
  r = client.Get(base + "/after");
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r->body, "GET:/after:0");
}

TEST(ClientTest, ServerClosingIsHandled) {
  auto server = EchoServer();
  std::string base = "http://127.0.0.1:" + std::to_string(server->port());
  Client client;
  auto r = client.Get(base + "/close");
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_FALSE(r->keep_alive);
  EXPECT_EQ(client.idle_connections(), 0u);
  // Idle connection closed by the server (drain): next request reconnects.
  ASSERT_TRUE(client.Get(base + "/x").ok());
  EXPECT_EQ(client.idle_connections(), 1u);
  server->Drain(1000ms);
  EXPECT_FALSE(client.Get(base + "/x").ok());
}

TEST(ClientTest, CloseDelimitedAndChunkedResponses) {
  {
    OneShotPeer peer("HTTP/1.0 200 OK\r\nX-A: 1\r\n\r\nuntil close");
    Client client;
    auto r = client.Get(peer.url("/p"));
    ASSERT_TRUE(r.ok()) << r.message();
    EXPECT_EQ(r->body, "until close");
  }
  {
    OneShotPeer peer(
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"
        "Transfer-Encoding: chunked\r\nDocker-Content-Digest: sha256:00\r\n\r\n"
        "4\r\nabcd\r\n0\r\n\r\n");
    Client client;
    auto r = client.Post(peer.url("/u"), "data", "text/plain");
    ASSERT_TRUE(r.ok()) << r.message();
    EXPECT_EQ(r->body, "abcd");
    EXPECT_EQ(*r->headers.Get("docker-content-digest"), "sha256:00");
    EXPECT_NE(peer.request().find("Content-Length: 4\r\n"), std::string::npos);
    EXPECT_NE(peer.request().find("Host: 127.0.0.1:"), std::string::npos);
  }
}

TEST(ClientTest, ErrorsAreClassified) {
  Client client;
  auto r = client.Get("http://127.0.0.1:" +
                      std::to_string(staticship::testing::DeadPort()) + "/");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.code(), ErrorCode::kUnavailable) << r.message();
  EXPECT_TRUE(IsRetryable(r.error()));

  {
    OneShotPeer truncated("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
    auto t = client.Get(truncated.url());
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.code(), ErrorCode::kUnavailable) << t.message();
    EXPECT_TRUE(IsRetryable(t.error()));
  }
  {
    OneShotPeer garbage("SMTP ready\r\n\r\n");
    auto g = client.Get(garbage.url());
    ASSERT_FALSE(g.ok());
    EXPECT_EQ(g.code(), ErrorCode::kInternal) << g.message();
    EXPECT_FALSE(IsRetryable(g.error()));
  }
  {
    OneShotPeer slow("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 1500ms);
    ClientRequest req;
    req.url = slow.url();
    req.timeout = 200ms;
    auto start = std::chrono::steady_clock::now();
    auto s = client.Send(req);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.code(), ErrorCode::kDeadlineExceeded) << s.message();
    EXPECT_TRUE(IsRetryable(s.error()));
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1000ms);
  }
  {
    auto bad = client.Get("ftp://127.0.0.1/");
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.code(), ErrorCode::kInvalidArgument) << bad.message();
    EXPECT_FALSE(IsRetryable(bad.error()));
  }
  EXPECT_FALSE(IsRetryable(MakeError("plain")));
}

// The retry decision rests on the code alone: context in front of a message,
// even context that reads like another kind, does not change it.
TEST(ClientTest, ContextDoesNotChangeRetryability) {
  Client client;
  auto refused = client.Get(
      "http://127.0.0.1:" + std::to_string(staticship::testing::DeadPort()) +
      "/");
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(IsRetryable(WithContext(refused.error(), "registry push")));
  EXPECT_TRUE(IsRetryable(WithContext(refused.error(), "[protocol]")));
  // A message that merely reads like a transport failure is not one.
  EXPECT_FALSE(IsRetryable(MakeError("[refused] but only in words")));
  EXPECT_FALSE(IsRetryable(MakeError("[timeout] but only in words")));
}

}  // namespace
}  // namespace staticship::http
