#include "common/base/strings.h"

#include <gtest/gtest.h>

namespace staticship {
namespace {

TEST(TrimTest, RemovesSpacesAndTabsAtBothEnds) {
  EXPECT_EQ(Trim("  gzip\t"), "gzip");
  EXPECT_EQ(Trim("a b"), "a b");
  EXPECT_EQ(Trim(" \t "), "");
  EXPECT_EQ(Trim(""), "");
  // Only OWS by default: a CR or LF is a framing error for HTTP, not space.
  EXPECT_EQ(Trim("\rx\n"), "\rx\n");
}

TEST(TrimTest, TakesTheCharactersToRemove) {
  EXPECT_EQ(Trim("\t//label \r", " \t\r"), "//label");
  EXPECT_EQ(Trim("xxabcxx", "x"), "abc");
}

TEST(TrimTest, ReturnsAViewIntoTheInput) {
  const std::string_view text = "  value  ";
  const std::string_view trimmed = Trim(text);
  EXPECT_EQ(trimmed.data(), text.data() + 2);
}

TEST(AsciiLowerTest, LowersAsciiOnly) {
  EXPECT_EQ(AsciiLower("Accept-Encoding"), "accept-encoding");
  EXPECT_EQ(AsciiLower("GZIP;Q=0"), "gzip;q=0");
  EXPECT_EQ(AsciiLower("\xc3\x84"), "\xc3\x84");  // UTF-8 Ä stays as it is
  EXPECT_EQ(AsciiLower(""), "");
}

TEST(PercentEncodeTest, UnreservedStayOthersEncoded) {
  EXPECT_EQ(PercentEncode("libc++abi.so.1"), "libc%2B%2Babi.so.1");
  EXPECT_EQ(PercentEncode("a/b c~_-."), "a%2Fb%20c~_-.");
  EXPECT_EQ(PercentEncode("a/b", true), "a/b");
  EXPECT_EQ(PercentEncode("sha256:ab"), "sha256%3Aab");
}

TEST(LowerHexTest, TwoDigitsPerByte) {
  EXPECT_EQ(LowerHex(""), "");
  EXPECT_EQ(LowerHex(std::string("\x00\x0f\xa5\xff", 4)), "000fa5ff");
}

}  // namespace
}  // namespace staticship
