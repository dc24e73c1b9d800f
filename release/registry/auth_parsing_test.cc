#include <gtest/gtest.h>

#include "common/base/base64.h"
#include "release/registry/challenge.h"
#include "release/registry/credentials.h"

namespace staticship::registry {
namespace {

TEST(Base64Test, MatchesRfc4648Vectors) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(*Base64Decode("Zm9vYg=="), "foob");
  EXPECT_EQ(*Base64Decode("Zm9vYg"), "foob");
  EXPECT_FALSE(Base64Decode("Zm9v!").ok());
}

TEST(ChallengeTest, ParsesBasicAndBearer) {
  Result<Challenge> basic = ParseChallenge("Basic realm=\"basic-realm\"");
  ASSERT_TRUE(basic.ok());
  EXPECT_EQ(basic->scheme, "basic");
  EXPECT_EQ(basic->Param("realm"), "basic-realm");
  Result<Challenge> bearer = ParseChallenge(
      "Bearer "
      "realm=\"https://auth.example/token\",service=\"registry.example\","
      "scope=\"repository:a/b:pull,push\"");
  ASSERT_TRUE(bearer.ok());
  EXPECT_EQ(bearer->scheme, "bearer");
  EXPECT_EQ(bearer->Param("realm"), "https://auth.example/token");
  EXPECT_EQ(bearer->Param("service"), "registry.example");
  EXPECT_EQ(bearer->Param("scope"), "repository:a/b:pull,push");
  Result<Challenge> escaped =
      ParseChallenge("Bearer realm=\"a\\\"b\", error=invalid_token");
  ASSERT_TRUE(escaped.ok());
  EXPECT_EQ(escaped->Param("realm"), "a\"b");
  EXPECT_EQ(escaped->Param("error"), "invalid_token");
  EXPECT_FALSE(ParseChallenge("Bearer realm=\"unterminated").ok());
  EXPECT_FALSE(ParseChallenge("").ok());
}

TEST(CredentialsTest, ReadsUserPasswordLine) {
  Result<Credentials> c = ParseAuthFile("ship:pa:ss\n", "h:1");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->user, "ship");
  EXPECT_EQ(c->password, "pa:ss");
  Result<Credentials> bad = ParseAuthFile("no-colon-TopSecret\n", "h:1");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.message().find("TopSecret"), std::string::npos);
}

TEST(CredentialsTest, ReadsDockerConfig) {
  const std::string auth = Base64Encode("u1:p1");
  Result<Credentials> c = ParseAuthFile(
      R"({"auths":{"other:1":{"auth":"eDp5"},"127.0.0.1:5000":{"auth":")" +
          auth + R"("}}})",
      "127.0.0.1:5000");
  ASSERT_TRUE(c.ok()) << c.message();
  EXPECT_EQ(c->user, "u1");
  EXPECT_EQ(c->password, "p1");
  Result<Credentials> fields = ParseAuthFile(
      R"({"auths":{"http://h:2":{"username":"u2","password":"p2"}}})", "h:2");
  ASSERT_TRUE(fields.ok());
  EXPECT_EQ(fields->password, "p2");
  EXPECT_FALSE(ParseAuthFile(R"({"auths":{}})", "h:2").ok());
  Result<Credentials> broken =
      ParseAuthFile(R"({"auths": {"h:2": "SecretInBrokenJson)", "h:2");
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.message().find("SecretInBrokenJson"), std::string::npos);
}

TEST(CredentialsTest, EnvironmentNeedsBothOrNeither) {
  auto env = [](std::map<std::string, std::string> values) {
    return [values](const char* name) -> const char* {
      auto it = values.find(name);
      return it == values.end() ? nullptr : it->second.c_str();
    };
  };
  auto none = LoadCredentials(std::nullopt, "h:1", env({}));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  auto both = LoadCredentials(std::nullopt, "h:1",
                              env({{kUserEnv, "u"}, {kPasswordEnv, "p"}}));
  ASSERT_TRUE(both.ok());
  EXPECT_EQ((*both)->user, "u");
  EXPECT_FALSE(
      LoadCredentials(std::nullopt, "h:1", env({{kPasswordEnv, "p"}})).ok());
  EXPECT_FALSE(LoadCredentials(std::filesystem::path("/nonexistent/auth"),
                               "h:1", env({}))
                   .ok());
}

}  // namespace
}  // namespace staticship::registry
