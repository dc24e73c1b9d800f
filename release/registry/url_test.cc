#include "release/registry/url.h"

#include <gtest/gtest.h>

namespace staticship::registry {
namespace {

TEST(UrlTest, ParsesAuthorityAndTarget) {
  Result<Url> url = ParseUrl("http://127.0.0.1:5000/v2/a/b?x=1");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, 5000);
  EXPECT_EQ(url->target, "/v2/a/b?x=1");
  EXPECT_EQ(url->Authority(), "127.0.0.1:5000");
  Result<Url> bare = ParseUrl("http://registry");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->port, 80);
  EXPECT_EQ(bare->target, "/");
  Result<Url> v6 = ParseUrl("http://[::1]:8080/x");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->Authority(), "[::1]:8080");
}

TEST(UrlTest, RejectsBadUrls) {
  EXPECT_FALSE(ParseUrl("ftp://x/").ok());
  EXPECT_FALSE(ParseUrl("/relative").ok());
  EXPECT_FALSE(ParseUrl("http://user:pw@host/").ok());
  EXPECT_FALSE(ParseUrl("http://host:99999/").ok());
  EXPECT_FALSE(ParseUrl("http://:80/").ok());
}

TEST(UrlTest, ResolvesLocations) {
  Url base = *ParseUrl("http://127.0.0.1:5000/v2/app/blobs/uploads/");
  EXPECT_EQ(
      ResolveReference(base, "/v2/app/blobs/uploads/u1?_state=s")->ToString(),
      "http://127.0.0.1:5000/v2/app/blobs/uploads/u1?_state=s");
  EXPECT_EQ(ResolveReference(base, "u2")->ToString(),
            "http://127.0.0.1:5000/v2/app/blobs/uploads/u2");
  EXPECT_EQ(ResolveReference(base, "http://other:9/up?a=b")->ToString(),
            "http://other:9/up?a=b");
  EXPECT_EQ(ResolveReference(base, "//cdn:81/blob")->ToString(),
            "http://cdn:81/blob");
  EXPECT_FALSE(ResolveReference(base, "").ok());
}

TEST(UrlTest, AppendsQueryKeepingExistingOne) {
  EXPECT_EQ(AppendQuery("/u/1", "digest", "sha256:ab"),
            "/u/1?digest=sha256:ab");
  EXPECT_EQ(AppendQuery("/u/1?_state=x", "digest", "sha256:ab"),
            "/u/1?_state=x&digest=sha256:ab");
  EXPECT_EQ(AppendQuery("/u/1?", "d", "a b/c"), "/u/1?d=a%20b%2Fc");
}

}  // namespace
}  // namespace staticship::registry
