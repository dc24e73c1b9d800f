#include "common/base/base64.h"

#include <gtest/gtest.h>

#include <string>

namespace staticship {
namespace {

// RFC 4648, section 10.
TEST(Base64Test, EncodesTheRfcVectors) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foob"), "Zm9vYg==");
  EXPECT_EQ(Base64Encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
}

TEST(Base64Test, DecodesPaddedAndUnpadded) {
  EXPECT_EQ(*Base64Decode("Zm9vYmE="), "fooba");
  EXPECT_EQ(*Base64Decode("Zm9vYmE"), "fooba");
  EXPECT_EQ(*Base64Decode("Zg=="), "f");
  EXPECT_EQ(*Base64Decode(""), "");
  // A registry credential as docker's config.json stores it.
  EXPECT_EQ(*Base64Decode("dXNlcjpwYXNz"), "user:pass");
}

TEST(Base64Test, RoundTripsEveryByte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (size_t size = 0; size <= all.size(); size += 37) {
    const std::string data = all.substr(0, size);
    Result<std::string> back = Base64Decode(Base64Encode(data));
    ASSERT_TRUE(back.ok()) << back.message();
    EXPECT_EQ(*back, data);
  }
  EXPECT_EQ(Base64Encode("\xfb\xff"), "+/8=");
}

TEST(Base64Test, RejectsBadInput) {
  Result<std::string> bad_char = Base64Decode("Zm9v!A==");
  ASSERT_FALSE(bad_char.ok());
  EXPECT_EQ(bad_char.message(), "invalid base64 character");
  // URL-safe base64 is another alphabet.
  EXPECT_FALSE(Base64Decode("-_8=").ok());
  Result<std::string> bad_length = Base64Decode("Zm9vY");
  ASSERT_FALSE(bad_length.ok());
  EXPECT_EQ(bad_length.message(), "invalid base64 length");
}

}  // namespace
}  // namespace staticship
