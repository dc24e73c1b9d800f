#include "services/gateway/forwarding.h"

#include <gtest/gtest.h>

#include <string>

namespace staticship::gateway {
namespace {

http::Request MakeRequest(std::string method, std::string target) {
  http::Request r;
  r.method = std::move(method);
  r.target = std::move(target);
  size_t q = r.target.find('?');
  r.path = r.target.substr(0, q);
  if (q != std::string::npos) r.query = r.target.substr(q + 1);
  return r;
}

std::string Forward(const http::Request& in, std::string_view request_id = "") {
  std::string out;
  AppendForwardedRequest(in,
                         {.peer = "10.0.0.7",
                          .generated_request_id = request_id,
                          .upstream_host = "backend:8081"},
                         &out);
  return out;
}

TEST(ForwardingTest, PlainGetGainsForwardingHeadersAndHost) {
  http::Request in = MakeRequest("GET", "/a/b?x=1");
  in.version_minor = 0;
  EXPECT_EQ(Forward(in),
            "GET /a/b?x=1 HTTP/1.1\r\n"
            "X-Forwarded-For: 10.0.0.7\r\n"
            "X-Forwarded-Proto: http\r\n"
            "Host: backend:8081\r\n"
            "\r\n");
}

TEST(ForwardingTest, ClientHeadersKeepTheirOrderAndSpelling) {
  http::Request in = MakeRequest("GET", "/");
  in.headers.Add("host", "public.example");
  in.headers.Add("X-Custom", "v1");
  in.headers.Add("x-forwarded-proto", "https");
  in.headers.Add("Accept", "*/*");
  EXPECT_EQ(Forward(in),
            "GET / HTTP/1.1\r\n"
            "host: public.example\r\n"
            "X-Custom: v1\r\n"
            "x-forwarded-proto: https\r\n"
            "Accept: */*\r\n"
            "X-Forwarded-For: 10.0.0.7\r\n"
            "\r\n");
}

TEST(ForwardingTest, AbsoluteFormTargetBecomesOriginForm) {
  http::Request in;
  in.method = "GET";
  in.target = "http://example.com/p?q=2";
  in.path = "/p";
  in.query = "q=2";
  in.headers.Add("Host", "example.com");
  EXPECT_EQ(Forward(in).substr(0, 21), "GET /p?q=2 HTTP/1.1\r\n");
  in.query.clear();
  EXPECT_EQ(Forward(in).substr(0, 17), "GET /p HTTP/1.1\r\n");
}

TEST(ForwardingTest, HopByHopHeadersAndThoseConnectionNamesAreDropped) {
  http::Request in = MakeRequest("GET", "/");
  in.headers.Add("Host", "h");
  in.headers.Add("Connection", "keep-alive, X-Secret ,\tX-Two, x-three");
  in.headers.Add("Keep-Alive", "timeout=5");
  in.headers.Add("Proxy-Connection", "keep-alive");
  in.headers.Add("Proxy-Authorization", "Basic abc");
  in.headers.Add("Proxy-Authenticate", "Basic");
  in.headers.Add("TE", "trailers");
  in.headers.Add("Trailer", "X-T");
  in.headers.Add("Upgrade", "websocket");
  in.headers.Add("x-secret", "1");
  in.headers.Add("X-TWO", "2");
  in.headers.Add("X-Three", "3");
  in.headers.Add("X-Kept", "4");
  EXPECT_EQ(Forward(in),
            "GET / HTTP/1.1\r\n"
            "Host: h\r\n"
            "X-Kept: 4\r\n"
            "X-Forwarded-For: 10.0.0.7\r\n"
            "X-Forwarded-Proto: http\r\n"
            "\r\n");
}

TEST(ForwardingTest, ForwardedForExtendsTheFirstAndDropsTheRest) {
  http::Request in = MakeRequest("GET", "/");
  in.headers.Add("Host", "h");
  in.headers.Add("X-Forwarded-For", "1.1.1.1, 2.2.2.2");
  in.headers.Add("x-forwarded-for", "3.3.3.3");
  EXPECT_EQ(Forward(in),
            "GET / HTTP/1.1\r\n"
            "Host: h\r\n"
            "X-Forwarded-For: 1.1.1.1, 2.2.2.2, 10.0.0.7\r\n"
            "X-Forwarded-Proto: http\r\n"
            "\r\n");
}

TEST(ForwardingTest, BodyIsReframedWithContentLength) {
  http::Request in = MakeRequest("POST", "/submit");
  in.headers.Add("Host", "h");
  in.headers.Add("Content-Length", "999");
  in.headers.Add("Transfer-Encoding", "chunked");
  in.body = "hello";
  in.was_chunked = true;
  EXPECT_EQ(Forward(in),
            "POST /submit HTTP/1.1\r\n"
            "Host: h\r\n"
            "X-Forwarded-For: 10.0.0.7\r\n"
            "X-Forwarded-Proto: http\r\n"
            "Content-Length: 5\r\n"
            "\r\n"
            "hello");
}

TEST(ForwardingTest, ContentLengthZeroOnlyForMethodsThatCarryABody) {
  for (const char* method : {"POST", "PUT", "PATCH"}) {
    http::Request in = MakeRequest(method, "/");
    in.headers.Add("Host", "h");
    EXPECT_NE(Forward(in).find("\r\nContent-Length: 0\r\n"), std::string::npos)
        << method;
  }
  for (const char* method : {"GET", "DELETE", "HEAD"}) {
    http::Request in = MakeRequest(method, "/");
    in.headers.Add("Host", "h");
    in.headers.Add("Content-Length", "0");
    EXPECT_EQ(Forward(in).find("Content-Length"), std::string::npos) << method;
  }
  http::Request get = MakeRequest("GET", "/");
  get.body = "odd but allowed";
  EXPECT_NE(Forward(get).find("\r\nContent-Length: 15\r\n"), std::string::npos);
}

TEST(ForwardingTest, GeneratedRequestIdIsAddedAfterTheClientHeaders) {
  http::Request in = MakeRequest("GET", "/");
  in.headers.Add("Host", "h");
  EXPECT_EQ(Forward(in, "0123abcd"),
            "GET / HTTP/1.1\r\n"
            "Host: h\r\n"
            "X-Request-Id: 0123abcd\r\n"
            "X-Forwarded-For: 10.0.0.7\r\n"
            "X-Forwarded-Proto: http\r\n"
            "\r\n");
}

TEST(ForwardingTest, AppendsToWhatTheBufferHolds) {
  http::Request in = MakeRequest("GET", "/");
  in.headers.Add("Host", "h");
  std::string out = "previous";
  AppendForwardedRequest(in, {.peer = "p", .upstream_host = "u"}, &out);
  EXPECT_EQ(out.substr(0, 24), "previousGET / HTTP/1.1\r\n");
}

TEST(ForwardingTest, ResponseLosesItsHopByHopHeadersInPlace) {
  http::Headers h;
  h.Add("Content-Type", "text/plain");
  h.Add("Connection", "close, X-Internal");
  h.Add("Keep-Alive", "timeout=5");
  h.Add("Transfer-Encoding", "chunked");
  h.Add("X-Internal", "secret");
  h.Add("X-Upstream", "A");
  RemoveHopByHop(&h);
  std::string left;
  for (const http::Header& x : h) left += x.name + "=" + x.value + ";";
  EXPECT_EQ(left, "Content-Type=text/plain;X-Upstream=A;");
}

TEST(ForwardingTest, IsHopByHopIgnoresCaseAndReadsEveryConnectionHeader) {
  http::Headers h;
  h.Add("Connection", "a, b");
  h.Add("connection", "c,d,  e");
  for (const char* name : {"A", "b", "C", "d", "E", "UPGRADE", "te"}) {
    EXPECT_TRUE(IsHopByHop(name, h)) << name;
  }
  for (const char* name : {"f", "Host", "Content-Length", "tee", ""}) {
    EXPECT_FALSE(IsHopByHop(name, h)) << name;
  }
  EXPECT_FALSE(IsHopByHop("a", http::Headers()));
}

}  // namespace
}  // namespace staticship::gateway
