#include "release/registry/reference.h"

#include <gtest/gtest.h>

namespace staticship::registry {
namespace {

const std::string kDigest = "sha256:" + std::string(64, 'a');

TEST(ReferenceTest, ParsesTagAndDigestForms) {
  Result<Reference> tag = ParseReference("127.0.0.1:5000/team/app:v1.2");
  ASSERT_TRUE(tag.ok()) << tag.message();
  EXPECT_EQ(tag->registry, "127.0.0.1:5000");
  EXPECT_EQ(tag->repository, "team/app");
  EXPECT_EQ(tag->tag, "v1.2");
  EXPECT_EQ(tag->ManifestReference(), "v1.2");
  Result<Reference> digest = ParseReference("localhost:5000/app@" + kDigest);
  ASSERT_TRUE(digest.ok());
  EXPECT_EQ(digest->digest, kDigest);
  EXPECT_EQ(digest->ManifestReference(), kDigest);
  EXPECT_EQ(digest->Name(), "localhost:5000/app");
}

TEST(ReferenceTest, RejectsWhatRegistriesReject) {
  EXPECT_FALSE(ParseReference("app:v1").ok());         // no registry
  EXPECT_FALSE(ParseReference("team/app:v1").ok());    // "team" is no host
  EXPECT_FALSE(ParseReference("h:5000/App:v1").ok());  // upper case
  EXPECT_FALSE(ParseReference("h:5000/app").ok());     // no tag or digest
  EXPECT_FALSE(ParseReference("h:5000/app@sha256:abc").ok());  // short digest
  EXPECT_FALSE(ParseReference("h:5000/app:-bad").ok());
  EXPECT_FALSE(ParseReference("h:5000/a//b:v1").ok());
  EXPECT_FALSE(ParseReference("h:5000/a..b:v1").ok());
}

TEST(ReferenceTest, KnowsLoopback) {
  EXPECT_TRUE(IsLoopbackRegistry("127.0.0.1:5000"));
  EXPECT_TRUE(IsLoopbackRegistry("localhost:5000"));
  EXPECT_TRUE(IsLoopbackRegistry("[::1]:5000"));
  EXPECT_FALSE(IsLoopbackRegistry("10.0.0.1:5000"));
  EXPECT_FALSE(IsLoopbackRegistry("registry.example:443"));
}

}  // namespace
}  // namespace staticship::registry
