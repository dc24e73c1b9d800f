#include "services/gateway/gzip.h"

#include <gtest/gtest.h>

#include "common/archive/gzip.h"

namespace staticship::gateway {
namespace {

http::Request WithAccept(std::string accept) {
  http::Request r;
  r.method = "GET";
  if (!accept.empty()) r.headers.Add("Accept-Encoding", accept);
  return r;
}

http::Response Text(size_t n, std::string type = "text/html") {
  http::Response r(200, std::string(n, 'x'));
  r.headers.Add("Content-Type", type);
  return r;
}

TEST(GzipTest, Negotiation) {
  EXPECT_TRUE(AcceptsGzip(WithAccept("gzip").headers));
  EXPECT_TRUE(AcceptsGzip(WithAccept("br, GZIP;q=0.5").headers));
  EXPECT_TRUE(AcceptsGzip(WithAccept("*").headers));
  EXPECT_FALSE(AcceptsGzip(WithAccept("gzip;q=0").headers));
  EXPECT_FALSE(AcceptsGzip(WithAccept("br, deflate").headers));
  EXPECT_FALSE(AcceptsGzip(WithAccept("").headers));
  EXPECT_TRUE(IsCompressibleType("text/plain; charset=utf-8"));
  EXPECT_TRUE(IsCompressibleType("application/json"));
  EXPECT_TRUE(IsCompressibleType("application/vnd.oci.image.manifest.v1+json"));
  EXPECT_FALSE(IsCompressibleType("image/png"));
  EXPECT_FALSE(IsCompressibleType("application/octet-stream"));
}

TEST(GzipTest, CompressesOnlyWhenAllRulesHold) {
  GzipConfig config{.enabled = true, .min_bytes = 1024, .level = 6};
  http::Response big = Text(4096);
  ASSERT_TRUE(MaybeGzip(WithAccept("gzip"), config, &big));
  EXPECT_EQ(*big.headers.Get("content-encoding"), "gzip");
  EXPECT_EQ(*big.headers.Get("vary"), "Accept-Encoding");
  EXPECT_EQ(*archive::Inflate(big.body), std::string(4096, 'x'));

  http::Response no_accept = Text(4096);
  EXPECT_FALSE(MaybeGzip(WithAccept(""), config, &no_accept));
  EXPECT_EQ(*no_accept.headers.Get("vary"), "Accept-Encoding");
  EXPECT_EQ(no_accept.body.size(), 4096u);

  http::Response small = Text(1023);
  EXPECT_FALSE(MaybeGzip(WithAccept("gzip"), config, &small));

  http::Response binary = Text(4096, "image/png");
  EXPECT_FALSE(MaybeGzip(WithAccept("gzip"), config, &binary));

  http::Response encoded = Text(4096);
  encoded.headers.Add("Content-Encoding", "br");
  EXPECT_FALSE(MaybeGzip(WithAccept("gzip"), config, &encoded));
  EXPECT_EQ(encoded.body.size(), 4096u);

  http::Response vary = Text(4096);
  vary.headers.Add("Vary", "Origin");
  ASSERT_TRUE(MaybeGzip(WithAccept("gzip"), config, &vary));
  EXPECT_EQ(*vary.headers.Get("vary"), "Origin, Accept-Encoding");

  GzipConfig off = config;
  off.enabled = false;
  http::Response disabled = Text(4096);
  EXPECT_FALSE(MaybeGzip(WithAccept("gzip"), off, &disabled));
}

}  // namespace
}  // namespace staticship::gateway
