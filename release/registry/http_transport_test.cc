#include "release/registry/http_transport.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "common/testing/ports.h"
#include "release/registry/testing/fake_http_server.h"

namespace staticship::registry {
namespace {

using std::chrono::milliseconds;
using testing::FakeHttpServer;
using testing::FakeRequest;
using testing::FakeResponse;

Url UrlFor(int port, std::string target) {
  return Url{"http", "127.0.0.1", port, std::move(target)};
}

// A loopback socket that listens but never accepts: connecting succeeds (the
// kernel completes the handshake) and no answer ever comes.
class SilentListener {
 public:
  SilentListener() {
    auto listener = staticship::testing::ListenOnLoopback(4);
    EXPECT_TRUE(listener.ok()) << listener.message();
    if (listener.ok()) listener_ = std::move(*listener);
  }
  int port() const { return listener_.port; }

 private:
  staticship::testing::Listener listener_;
};

TEST(SocketTransportTest, SendsRequestAndCopiesTheAnswer) {
  FakeHttpServer server([](const FakeRequest& request) {
    FakeResponse response;
    response.status = 201;
    response.headers = {{"Location", "/v2/x/blobs/uploads/1"},
                        {"Docker-Content-Digest", "sha256:ab"}};
    response.body = "echo:" + request.body;
    return response;
  });
  SocketTransport transport;
  HttpRequest request{"PUT",
                      UrlFor(server.port(), "/v2/x/blobs/uploads/1?digest=d"),
                      {{"Content-Type", "application/octet-stream"}},
                      "blob bytes"};
  Result<HttpResponse> response = transport.Send(request, milliseconds(5000));
  ASSERT_TRUE(response.ok()) << response.message();
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(response->body, "echo:blob bytes");
  ASSERT_NE(response->Header("location"), nullptr);
  EXPECT_EQ(*response->Header("location"), "/v2/x/blobs/uploads/1");
  ASSERT_NE(response->Header("DOCKER-CONTENT-DIGEST"), nullptr);

  std::vector<FakeRequest> requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  const FakeRequest& sent = requests[0];
  EXPECT_EQ(sent.method, "PUT");
  EXPECT_EQ(sent.target, "/v2/x/blobs/uploads/1?digest=d");
  EXPECT_EQ(sent.Header("Content-Type"), "application/octet-stream");
  EXPECT_EQ(sent.Header("Content-Length"), "10");
  EXPECT_EQ(sent.body, "blob bytes");
}

TEST(SocketTransportTest, HeadAnswerHasNoBodyAndTheConnectionStaysUsable) {
  FakeHttpServer server([](const FakeRequest&) {
    FakeResponse response;
    response.body = "the length is announced, the bytes are not sent";
    return response;
  });
  SocketTransport transport;
  // Reading the announced length after HEAD would hang until the timeout,
  // or leave bytes that break the next exchange on the kept connection.
  for (int i = 0; i < 3; ++i) {
    Result<HttpResponse> response = transport.Send(
        {"HEAD", UrlFor(server.port(), "/v2/x/blobs/sha256:ab"), {}, {}},
        milliseconds(5000));
    ASSERT_TRUE(response.ok()) << response.message();
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, "");
    ASSERT_NE(response->Header("Content-Length"), nullptr);
  }
  EXPECT_EQ(server.requests().size(), 3u);
}

TEST(SocketTransportTest, RefusedConnectionIsARetryableError) {
  int port;
  {
    SilentListener closed_soon;  // a port that was just free
    port = closed_soon.port();
  }
  SocketTransport transport;
  Result<HttpResponse> response =
      transport.Send({"GET", UrlFor(port, "/v2/"), {}, {}}, milliseconds(5000));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.code(), ErrorCode::kUnavailable) << response.message();
  EXPECT_TRUE(http::IsRetryable(response.error()));
}

TEST(SocketTransportTest, SilentServerTimesOutWithinTheRequestTimeout) {
  SilentListener silent;
  SocketTransport transport;
  const auto started = std::chrono::steady_clock::now();
  Result<HttpResponse> response = transport.Send(
      {"GET", UrlFor(silent.port(), "/v2/"), {}, {}}, milliseconds(200));
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.code(), ErrorCode::kDeadlineExceeded)
      << response.message();
  EXPECT_TRUE(http::IsRetryable(response.error()));
  EXPECT_LT(took, std::chrono::seconds(5));
}

TEST(SocketTransportTest, ExpiredDeadlineDoesNotMeanTheDefaultTimeout) {
  // http::Client reads a zero timeout as "use the default" (30 s); a caller
  // that is out of time must get an answer at once instead.
  SilentListener silent;
  SocketTransport transport;
  const auto started = std::chrono::steady_clock::now();
  Result<HttpResponse> response = transport.Send(
      {"GET", UrlFor(silent.port(), "/"), {}, {}}, milliseconds(0));
  ASSERT_FALSE(response.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - started,
            std::chrono::seconds(5));
}

TEST(SocketTransportTest, DroppedConnectionIsARetryableReset) {
  FakeHttpServer server([](const FakeRequest&) {
    FakeResponse response;
    response.drop_without_answer = true;
    return response;
  });
  SocketTransport transport;
  Result<HttpResponse> response = transport.Send(
      {"GET", UrlFor(server.port(), "/v2/"), {}, {}}, milliseconds(5000));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.code(), ErrorCode::kUnavailable) << response.message();
  EXPECT_TRUE(http::IsRetryable(response.error()));
}

TEST(SocketTransportTest, HttpsToAPlainHttpRegistryIsOneClearError) {
  FakeHttpServer server([](const FakeRequest&) { return FakeResponse{}; });
  SocketTransport transport;
  Url url = UrlFor(server.port(), "/v2/");
  url.scheme = "https";
  Result<HttpResponse> response =
      transport.Send({"GET", url, {}, {}}, milliseconds(5000));
  ASSERT_FALSE(response.ok());
  EXPECT_NE(response.message().find("answered plain http, not TLS"),
            std::string::npos)
      << response.message();
  EXPECT_EQ(response.code(), ErrorCode::kFailedPrecondition);
  EXPECT_FALSE(http::IsRetryable(response.error()));
}

}  // namespace
}  // namespace staticship::registry
