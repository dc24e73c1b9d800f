#include "common/http/parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace staticship::http {
namespace {

// Feeds `bytes` one at a time to exercise every resumption point.
ParseStatus FeedByteByByte(RequestParser& p, std::string_view bytes) {
  ParseStatus s = ParseStatus::kNeedMore;
  for (char c : bytes) {
    p.Feed(std::string_view(&c, 1));
    s = p.Next();
    if (s != ParseStatus::kNeedMore) return s;
  }
  return s;
}

TEST(RequestParserTest, SimpleGet) {
  RequestParser p;
  p.Feed("GET /a/b?x=1&y=2 HTTP/1.1\r\nHost: h\r\nX-Thing:  v \r\n\r\n");
  ASSERT_EQ(p.Next(), ParseStatus::kComplete);
  Request r = p.TakeMessage();
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.target, "/a/b?x=1&y=2");
  EXPECT_EQ(r.path, "/a/b");
  EXPECT_EQ(r.query, "x=1&y=2");
  EXPECT_EQ(r.version_minor, 1);
  EXPECT_TRUE(r.keep_alive);
  ASSERT_NE(r.headers.Get("x-thing"), nullptr);
  EXPECT_EQ(*r.headers.Get("X-THING"), "v");
  EXPECT_EQ(r.body, "");
  EXPECT_TRUE(p.idle());
  EXPECT_EQ(p.Next(), ParseStatus::kNeedMore);
}

TEST(RequestParserTest, ByteByByteWithContentLength) {
  RequestParser p;
  std::string msg =
      "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world";
  ASSERT_EQ(FeedByteByByte(p, msg), ParseStatus::kComplete);
  Request r = p.TakeMessage();
  EXPECT_EQ(r.body, "hello world");
}

TEST(RequestParserTest, ChunkedBodyByteByByte) {
  RequestParser p;
  std::string msg =
      "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\n";
  ASSERT_EQ(FeedByteByByte(p, msg), ParseStatus::kComplete);
  Request r = p.TakeMessage();
  EXPECT_EQ(r.body, "hello world");
  EXPECT_TRUE(r.was_chunked);
}

TEST(RequestParserTest, PipelinedRequestsStayInOrder) {
  RequestParser p;
  p.Feed(
      "GET /1 HTTP/1.1\r\nHost: h\r\n\r\n"
      "POST /2 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
      "GET /3 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\nGET /4");
  std::vector<std::string> paths;
  while (p.Next() == ParseStatus::kComplete) {
    Request r = p.TakeMessage();
    paths.push_back(r.path + ":" + r.body + ":" + (r.keep_alive ? "k" : "c"));
  }
  EXPECT_EQ(paths, (std::vector<std::string>{"/1::k", "/2:abc:k", "/3::c"}));
  EXPECT_FALSE(p.idle());
}

TEST(RequestParserTest, Http10KeepAliveRules) {
  RequestParser p;
  p.Feed(
      "GET / HTTP/1.0\r\n\r\nGET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
  ASSERT_EQ(p.Next(), ParseStatus::kComplete);
  EXPECT_FALSE(p.TakeMessage().keep_alive);
  ASSERT_EQ(p.Next(), ParseStatus::kComplete);
  Request r = p.TakeMessage();
  EXPECT_TRUE(r.keep_alive);
  EXPECT_EQ(r.version_minor, 0);
}

TEST(RequestParserTest, AbsoluteFormKeepsPathAndQuery) {
  RequestParser p;
  p.Feed("GET http://example/a?b=c HTTP/1.1\r\nHost: example\r\n\r\n");
  ASSERT_EQ(p.Next(), ParseStatus::kComplete);
  Request r = p.TakeMessage();
  EXPECT_EQ(r.path, "/a");
  EXPECT_EQ(r.query, "b=c");
}

TEST(RequestParserTest, IdenticalDuplicateContentLengthIsAccepted) {
  RequestParser p;
  p.Feed(
      "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n"
      "Content-Length: 2\r\n\r\nok");
  ASSERT_EQ(p.Next(), ParseStatus::kComplete);
  EXPECT_EQ(p.TakeMessage().body, "ok");
}

struct BadCase {
  const char* name;
  std::string bytes;
  ParseError error;
};

class MalformedRequestTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(MalformedRequestTest, IsRejected) {
  const BadCase& c = GetParam();
  ParserLimits limits{.max_header_bytes = 256, .max_body_bytes = 16};
  // Whole buffer at once, and byte by byte: both must reject identically.
  RequestParser whole(limits);
  whole.Feed(c.bytes);
  ParseStatus s = whole.Next();
  while (s == ParseStatus::kComplete) {
    whole.TakeMessage();
    s = whole.Next();
  }
  ASSERT_EQ(s, ParseStatus::kError) << c.name;
  EXPECT_EQ(whole.error(), c.error) << c.name << ": " << whole.error_detail();
  // Stays in error: the connection cannot be resynchronised.
  whole.Feed("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(whole.Next(), ParseStatus::kError);

  RequestParser slow(limits);
  ParseStatus t = ParseStatus::kNeedMore;
  for (char ch : c.bytes) {
    slow.Feed(std::string_view(&ch, 1));
    t = slow.Next();
    while (t == ParseStatus::kComplete) {
      slow.TakeMessage();
      t = slow.Next();
    }
    if (t == ParseStatus::kError) break;
  }
  ASSERT_EQ(t, ParseStatus::kError) << c.name;
  EXPECT_EQ(slow.error(), c.error) << c.name;
}

const std::string kBig(300, 'a');

INSTANTIATE_TEST_SUITE_P(
    Corpus, MalformedRequestTest,
    ::testing::Values(
        BadCase{"cl_and_te",
                "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n"
                "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                ParseError::kBadRequest},
        BadCase{"te_and_cl",
                "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
                "Content-Length: 3\r\n\r\n",
                ParseError::kBadRequest},
        BadCase{"conflicting_cl",
                "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n"
                "Content-Length: 4\r\n\r\nabcd",
                ParseError::kBadRequest},
        BadCase{"conflicting_cl_list",
                "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 4\r\n\r\n",
                ParseError::kBadRequest},
        BadCase{"negative_cl",
                "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n",
                ParseError::kBadRequest},
        BadCase{"plus_cl",
                "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +1\r\n\r\nx",
                ParseError::kBadRequest},
        BadCase{"huge_cl",
                "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: "
                "99999999999999999999999\r\n\r\n",
                ParseError::kBadRequest},
        BadCase{"invalid_chunk_size",
                "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
                "\r\nzz\r\nhello\r\n0\r\n\r\n",
                ParseError::kBadRequest},
        BadCase{"chunk_size_with_garbage",
                "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
                "\r\n5 x\r\nhello\r\n0\r\n\r\n",
                ParseError::kBadRequest},
        BadCase{"chunk_size_overflow",
                "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
                "\r\n10000000000000001\r\n",
                ParseError::kBadRequest},
        BadCase{"chunk_without_crlf",
                "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
                "\r\n3\r\nabcXX0\r\n\r\n",
                ParseError::kBadRequest},
        BadCase{"obs_fold", "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n b\r\n\r\n",
                ParseError::kBadRequest},
        BadCase{"space_before_colon",
                "GET / HTTP/1.1\r\nHost: h\r\nX-A : a\r\n\r\n",
                ParseError::kBadRequest},
        BadCase{"bad_name_char", "GET / HTTP/1.1\r\nHost: h\r\nX(A): a\r\n\r\n",
                ParseError::kBadRequest},
        BadCase{
            "nul_in_value",
            std::string("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\0b\r\n\r\n", 37),
            ParseError::kBadRequest},
        BadCase{"bare_lf_in_header",
                "GET / HTTP/1.1\r\nHost: h\nX-A: b\r\n\r\n",
                ParseError::kBadRequest},
        BadCase{"bare_cr_in_header",
                "GET / HTTP/1.1\r\nHost: h\rX-A: b\r\n\r\n",
                ParseError::kBadRequest},
        BadCase{"no_colon", "GET / HTTP/1.1\r\nHost: h\r\nJunk\r\n\r\n",
                ParseError::kBadRequest},
        BadCase{"missing_host", "GET / HTTP/1.1\r\n\r\n",
                ParseError::kBadRequest},
        BadCase{"duplicate_host",
                "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
                ParseError::kBadRequest},
        BadCase{
            "te_in_http10",
            "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            ParseError::kBadRequest},
        BadCase{"te_gzip",
                "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, "
                "chunked\r\n\r\n",
                ParseError::kUnsupportedCoding},
        BadCase{"te_twice",
                "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
                "Transfer-Encoding: chunked\r\n\r\n",
                ParseError::kUnsupportedCoding},
        BadCase{"http2_version", "GET / HTTP/2.0\r\nHost: h\r\n\r\n",
                ParseError::kVersionNotSupported},
        BadCase{"garbage_version", "GET / HTTX/1.1\r\nHost: h\r\n\r\n",
                ParseError::kBadRequest},
        BadCase{"lowercase_version", "GET / http/1.1\r\nHost: h\r\n\r\n",
                ParseError::kBadRequest},
        BadCase{"two_spaces", "GET  / HTTP/1.1\r\nHost: h\r\n\r\n",
                ParseError::kBadRequest},
        BadCase{"no_version", "GET /\r\nHost: h\r\n\r\n",
                ParseError::kBadRequest},
        BadCase{"relative_target", "GET a/b HTTP/1.1\r\nHost: h\r\n\r\n",
                ParseError::kBadRequest},
        BadCase{"control_in_target", "GET /a\x01 HTTP/1.1\r\nHost: h\r\n\r\n",
                ParseError::kBadRequest},
        BadCase{"bad_method", "G(T / HTTP/1.1\r\nHost: h\r\n\r\n",
                ParseError::kBadRequest},
        BadCase{"header_too_large",
                "GET / HTTP/1.1\r\nHost: h\r\nX-A: " + kBig + "\r\n\r\n",
                ParseError::kHeaderTooLarge},
        BadCase{"header_too_large_unterminated",
                "GET / HTTP/1.1\r\nHost: h\r\nX-A: " + kBig,
                ParseError::kHeaderTooLarge},
        BadCase{"body_too_large_cl",
                "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 17\r\n\r\n",
                ParseError::kBodyTooLarge},
        BadCase{"body_too_large_chunked",
                "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
                "\r\n10\r\n0123456789abcdef\r\n1\r\nX\r\n0\r\n\r\n",
                ParseError::kBodyTooLarge},
        BadCase{
            "second_request_bad",
            "GET / HTTP/1.1\r\nHost: h\r\n\r\nGET / HTTP/1.1\r\nX y\r\n\r\n",
            ParseError::kBadRequest}),
    [](const ::testing::TestParamInfo<BadCase>& info) {
      return std::string(info.param.name);
    });

TEST(ParseErrorTest, MapsToStatus) {
  EXPECT_EQ(HttpStatusFor(ParseError::kBadRequest), 400);
  EXPECT_EQ(HttpStatusFor(ParseError::kHeaderTooLarge), 431);
  EXPECT_EQ(HttpStatusFor(ParseError::kBodyTooLarge), 413);
  EXPECT_EQ(HttpStatusFor(ParseError::kUnsupportedCoding), 501);
  EXPECT_EQ(HttpStatusFor(ParseError::kVersionNotSupported), 505);
}

TEST(ResponseParserTest, ContentLengthAndKeepAlive) {
  ResponseParser p;
  p.Feed("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-A: b\r\n\r\nhi");
  ASSERT_EQ(p.Next(), ParseStatus::kComplete);
  Response r = p.TakeMessage();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.reason, "OK");
  EXPECT_EQ(r.body, "hi");
  EXPECT_TRUE(r.keep_alive);
}

TEST(ResponseParserTest, ChunkedResponse) {
  ResponseParser p;
  p.Feed(
      "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
      "a\r\n0123456789\r\n0\r\n\r\n");
  ASSERT_EQ(p.Next(), ParseStatus::kComplete);
  EXPECT_EQ(p.TakeMessage().body, "0123456789");
}

TEST(ResponseParserTest, CloseDelimitedBody) {
  ResponseParser p;
  p.Feed("HTTP/1.0 200 OK\r\n\r\npart1");
  EXPECT_EQ(p.Next(), ParseStatus::kNeedMore);
  p.Feed("part2");
  EXPECT_EQ(p.Next(), ParseStatus::kNeedMore);
  p.FeedEof();
  ASSERT_EQ(p.Next(), ParseStatus::kComplete);
  Response r = p.TakeMessage();
  EXPECT_EQ(r.body, "part1part2");
  EXPECT_FALSE(r.keep_alive);
}

TEST(ResponseParserTest, HeadResponseHasNoBody) {
  ResponseParser p;
  p.ExpectResponseTo("HEAD");
  p.Feed("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n");
  ASSERT_EQ(p.Next(), ParseStatus::kComplete);
  Response r = p.TakeMessage();
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(*r.headers.Get("content-length"), "1234");
}

TEST(ResponseParserTest, NoContentAndNotModifiedHaveNoBody) {
  ResponseParser p;
  p.Feed(
      "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 304 Not Modified\r\n"
      "Content-Length: 10\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
      "\r\nx");
  ASSERT_EQ(p.Next(), ParseStatus::kComplete);
  EXPECT_EQ(p.TakeMessage().status, 204);
  ASSERT_EQ(p.Next(), ParseStatus::kComplete);
  EXPECT_EQ(p.TakeMessage().status, 304);
  ASSERT_EQ(p.Next(), ParseStatus::kComplete);
  EXPECT_EQ(p.TakeMessage().body, "x");
}

TEST(ResponseParserTest, TruncatedBodyIsAnError) {
  ResponseParser p;
  p.Feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
  EXPECT_EQ(p.Next(), ParseStatus::kNeedMore);
  p.FeedEof();
  EXPECT_EQ(p.Next(), ParseStatus::kError);
}

TEST(ResponseParserTest, RejectsBadStatusLine) {
  for (std::string bad : {"HTTP/1.1 2x0 OK\r\n\r\n", "HTTP/1.1 099 X\r\n\r\n",
                          "FOO 200 OK\r\n\r\n", "HTTP/1.1 2000\r\n\r\n"}) {
    ResponseParser p;
    p.Feed(bad);
    EXPECT_EQ(p.Next(), ParseStatus::kError) << bad;
  }
}

TEST(MessageTest, SerializesResponse) {
  Response r(200, "hello");
  r.headers.Add("Content-Type", "text/plain");
  r.headers.Add("Content-Length", "999");  // replaced by the real length
  std::string out;
  AppendResponse(r, /*head_request=*/false, /*close=*/true, 1, &out);
  EXPECT_EQ(out,
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
            "5\r\nConnection: close\r\n\r\nhello");
  out.clear();
  AppendResponse(r, /*head_request=*/true, /*close=*/false, 0, &out);
  EXPECT_EQ(out,
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
            "5\r\nConnection: keep-alive\r\n\r\n");
}

TEST(MessageTest, RoundTripsRequest) {
  Request r;
  r.method = "PUT";
  r.path = "/v2/x";
  r.query = "digest=sha256:ab";
  r.headers.Add("Host", "reg");
  r.body = "blob";
  std::string wire;
  AppendRequestHead(r, &wire);
  wire += r.body;
  RequestParser p;
  p.Feed(wire);
  ASSERT_EQ(p.Next(), ParseStatus::kComplete);
  Request back = p.TakeMessage();
  EXPECT_EQ(back.target, "/v2/x?digest=sha256:ab");
  EXPECT_EQ(back.body, "blob");
}

TEST(MessageTest, HasTokenAndCaseInsensitiveHeaders) {
  EXPECT_TRUE(HasToken("keep-alive, Upgrade", "upgrade"));
  EXPECT_FALSE(HasToken("keep-alive-ish", "keep-alive"));
  Headers h;
  h.Add("X-A", "1");
  h.Add("x-a", "2");
  EXPECT_EQ(h.GetAll("X-a").size(), 2u);
  h.Set("X-A", "3");
  EXPECT_EQ(h.GetAll("x-a").size(), 1u);
  EXPECT_EQ(*h.Get("x-A"), "3");
  EXPECT_EQ(h.Remove("X-A"), 1u);
  EXPECT_TRUE(h.empty());
}

}  // namespace
}  // namespace staticship::http
