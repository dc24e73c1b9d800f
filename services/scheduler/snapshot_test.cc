#include "services/scheduler/snapshot.h"

#include <gtest/gtest.h>

namespace staticship::scheduler {
namespace {

TEST(SnapshotTest, RoundTripAndCompresses) {
  std::vector<std::string> records;
  for (int i = 0; i < 500; ++i) {
    records.push_back(R"({"id":"task-)" + std::to_string(i) +
                      R"(","state":"succeeded","payload":"aaaaaaaaaaaaaaaa"})");
  }
  auto encoded = EncodeSnapshot(records);
  ASSERT_TRUE(encoded.ok()) << encoded.message();
  size_t raw = 0;
  for (auto& r : records) raw += r.size();
  EXPECT_LT(encoded->size(), raw / 3);
  auto decoded = DecodeSnapshot(*encoded);
  ASSERT_TRUE(decoded.ok()) << decoded.message();
  EXPECT_EQ(*decoded, records);
}

TEST(SnapshotTest, EmptySnapshotIsValid) {
  auto encoded = EncodeSnapshot({});
  ASSERT_TRUE(encoded.ok());
  auto decoded = DecodeSnapshot(*encoded);
  ASSERT_TRUE(decoded.ok()) << decoded.message();
  EXPECT_TRUE(decoded->empty());
}

TEST(SnapshotTest, DetectsEveryKindOfDamage) {
  auto encoded = EncodeSnapshot({"one", "two", "three"});
  ASSERT_TRUE(encoded.ok());
  std::string flipped = *encoded;
  flipped[flipped.size() - 3] ^= 0x01;
  EXPECT_NE(DecodeSnapshot(flipped).message().find("CRC"), std::string::npos);
  EXPECT_FALSE(DecodeSnapshot(encoded->substr(0, encoded->size() - 1)).ok());
  EXPECT_FALSE(DecodeSnapshot("SCHSNAP").ok());
  std::string bad_magic = *encoded;
  bad_magic[0] = 'X';
  EXPECT_NE(DecodeSnapshot(bad_magic).message().find("header"),
            std::string::npos);
}

}  // namespace
}  // namespace staticship::scheduler
