#include "common/http/message.h"

#include <gtest/gtest.h>

#include <string>

namespace staticship::http {
namespace {

TEST(MessageTest, EqualsIgnoreCaseIsAsciiOnly) {
  EXPECT_TRUE(EqualsIgnoreCase("Content-Length", "content-LENGTH"));
  EXPECT_FALSE(EqualsIgnoreCase("Content-Length", "Content-Lengths"));
  EXPECT_FALSE(EqualsIgnoreCase("a-b", "a_b"));
  // '@' and '`' sit next to 'A' and 'a': only letters fold.
  EXPECT_FALSE(EqualsIgnoreCase("@", "`"));
  EXPECT_TRUE(EqualsIgnoreCase("", ""));
}

TEST(MessageTest, HasTokenMatchesWholeListItems) {
  EXPECT_TRUE(HasToken("keep-alive, Upgrade", "upgrade"));
  EXPECT_TRUE(HasToken("  close  ", "close"));
  EXPECT_TRUE(HasToken("a,,close", "close"));
  EXPECT_FALSE(HasToken("closed, keep-alive", "close"));
  EXPECT_FALSE(HasToken("", "close"));
}

TEST(MessageTest, HeadersKeepOrderAndSpellingAndLookUpWithoutCase) {
  Headers h;
  h.Add("X-Trace", "1");
  h.Add("Set-Cookie", "a=1");
  h.Add("set-cookie", "b=2");
  ASSERT_NE(h.Get("SET-COOKIE"), nullptr);
  EXPECT_EQ(*h.Get("SET-COOKIE"), "a=1");  // the first one
  EXPECT_EQ(h.GetAll("Set-Cookie"),
            (std::vector<std::string_view>{"a=1", "b=2"}));
  EXPECT_EQ(h.Get("missing"), nullptr);
  std::vector<std::string> names;
  for (const Header& header : h) names.push_back(header.name);
  EXPECT_EQ(names,
            (std::vector<std::string>{"X-Trace", "Set-Cookie", "set-cookie"}));

  h.Set("SET-COOKIE", "c=3");  // replaces both, whatever their spelling
  EXPECT_EQ(h.GetAll("set-cookie"), (std::vector<std::string_view>{"c=3"}));
  EXPECT_EQ(h.size(), 2u);
  EXPECT_EQ(h.Remove("x-trace"), 1u);
  EXPECT_EQ(h.Remove("x-trace"), 0u);
  EXPECT_EQ(
      h.RemoveIf([](const Header& header) { return header.value == "c=3"; }),
      1u);
  EXPECT_TRUE(h.empty());
}

TEST(MessageTest, ReasonPhrases) {
  EXPECT_EQ(ReasonPhrase(200), "OK");
  EXPECT_EQ(ReasonPhrase(404), "Not Found");
  EXPECT_EQ(ReasonPhrase(503), "Service Unavailable");
  EXPECT_EQ(ReasonPhrase(299), "Unknown");
}

TEST(MessageTest, WhichResponsesHaveNoBody) {
  EXPECT_TRUE(ResponseHasNoBody("HEAD", 200));
  EXPECT_TRUE(ResponseHasNoBody("GET", 100));
  EXPECT_TRUE(ResponseHasNoBody("GET", 204));
  EXPECT_TRUE(ResponseHasNoBody("GET", 304));
  EXPECT_FALSE(ResponseHasNoBody("GET", 200));
  EXPECT_FALSE(ResponseHasNoBody("POST", 404));
}

TEST(MessageTest, RequestHeadReplacesFramingHeaders) {
  Request req;
  req.method = "POST";
  req.target = "/v1/tasks?x=1";
  req.headers.Add("Host", "h");
  req.headers.Add("Transfer-Encoding", "chunked");
  req.headers.Add("content-length", "99");
  std::string out;
  AppendRequestHead(req, 5, &out);
  EXPECT_EQ(out,
            "POST /v1/tasks?x=1 HTTP/1.1\r\nHost: h\r\n"
            "Content-Length: 5\r\n\r\n");
}

TEST(MessageTest, RequestHeadBuildsTheTargetFromPathAndQuery) {
  Request req;
  req.method = "GET";
  req.path = "/a";
  req.query = "b=c";
  req.version_minor = 0;
  std::string out;
  AppendRequestHead(req, &out);
  // A bodiless GET announces no length.
  EXPECT_EQ(out, "GET /a?b=c HTTP/1.0\r\n\r\n");
  Request root;
  root.method = "PUT";
  out.clear();
  AppendRequestHead(root, &out);
  // PUT always says how long its body is, even when it is empty.
  EXPECT_EQ(out, "PUT / HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
}

TEST(MessageTest, ResponseComputesLengthAndDropsHopHeaders) {
  Response resp(404, "nope");
  resp.headers.Add("Content-Length", "1000");
  resp.headers.Add("Connection", "keep-alive");
  resp.headers.Add("X-A", "b");
  std::string out;
  AppendResponse(resp, /*head_request=*/false, /*close=*/true,
                 /*peer_version_minor=*/1, &out);
  EXPECT_EQ(out,
            "HTTP/1.1 404 Not Found\r\nX-A: b\r\nContent-Length: 4\r\n"
            "Connection: close\r\n\r\nnope");
}

TEST(MessageTest, ResponseToHttp10PeerSaysKeepAlive) {
  Response resp(200, "ok");
  resp.reason = "Fine";
  std::string out;
  AppendResponse(resp, false, false, /*peer_version_minor=*/0, &out);
  EXPECT_EQ(out,
            "HTTP/1.1 200 Fine\r\nContent-Length: 2\r\n"
            "Connection: keep-alive\r\n\r\nok");
}

TEST(MessageTest, HeadAnswerKeepsLengthButNotBody) {
  Response computed(200, "hello");
  std::string out;
  AppendResponse(computed, /*head_request=*/true, false, 1, &out);
  EXPECT_EQ(out, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");

  // A proxy relays the upstream's length for an empty HEAD body.
  Response relayed(200);
  relayed.headers.Add("Content-Length", "1234");
  out.clear();
  AppendResponse(relayed, true, false, 1, &out);
  EXPECT_EQ(out, "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n");
}

TEST(MessageTest, BodilessStatusesCarryNoLengthOrBody) {
  for (int status : {101, 204, 304}) {
    Response resp(status, "ignored");
    std::string out;
    AppendResponse(resp, false, false, 1, &out);
    EXPECT_EQ(out.find("Content-Length"), std::string::npos) << out;
    EXPECT_EQ(out.find("ignored"), std::string::npos) << out;
    EXPECT_EQ(out.substr(0, 13), "HTTP/1.1 " + std::to_string(status) + " ");
  }
}

TEST(MessageTest, StatusOutsideThreeDigitsStillFormats) {
  Response resp(1000);
  std::string out;
  AppendResponse(resp, false, true, 1, &out);
  EXPECT_EQ(out.substr(0, 23), "HTTP/1.1 1000 Unknown\r\n");
}

}  // namespace
}  // namespace staticship::http
