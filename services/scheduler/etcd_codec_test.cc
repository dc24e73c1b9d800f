#include "services/scheduler/etcd_codec.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace staticship::scheduler::etcd {
namespace {

TEST(EtcdCodecTest, Base64RoundTripsEveryLength) {
  std::string bytes;
  for (int i = 0; i < 70; ++i) {
    auto decoded = Base64Decode(Base64Encode(bytes));
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(*decoded, bytes);
    bytes += static_cast<char>(i * 37);
  }
  EXPECT_EQ(Base64Encode("/p/tasks/a"), "L3AvdGFza3MvYQ==");
  EXPECT_FALSE(Base64Decode("a$==").ok());
  EXPECT_FALSE(Base64Decode("abcde").ok());
}

TEST(EtcdCodecTest, PrefixRangeEndIsTheNextKey) {
  EXPECT_EQ(PrefixRangeEnd("/a/"), "/a0");
  EXPECT_EQ(PrefixRangeEnd(std::string("a\xff", 2)), "b");
  EXPECT_EQ(PrefixRangeEnd(std::string("\xff", 1)), std::string(1, '\0'));
}

TEST(EtcdCodecTest, ParsesWatchEventsAsTheGatewayPrintsThem) {
  // As etcd 3.4 prints them: int64 as strings, PUT type omitted.
  auto m = ParseWatchLine(
      R"({"result":{"header":{"revision":"3"},"events":[)"
      R"({"kv":{"key":"L3AvY2xhaW1zL2E=","create_revision":"2",)"
      R"("mod_revision":"2","version":"1","value":"aGVsbG8=",)"
      R"("lease":"4111120274263458567"}},)"
      R"({"type":"DELETE","kv":{"key":"L3AvY2xhaW1zL2E=","mod_revision":"3"}}]}})");
  ASSERT_TRUE(m.ok()) << m.message();
  EXPECT_EQ(m->header_revision, 3);
  ASSERT_EQ(m->events.size(), 2u);
  EXPECT_FALSE(m->events[0].deleted);
  EXPECT_EQ(m->events[0].kv.key, "/p/claims/a");
  EXPECT_EQ(m->events[0].kv.value, "hello");
  EXPECT_EQ(m->events[0].kv.lease, 4111120274263458567);
  EXPECT_TRUE(m->events[1].deleted);
  EXPECT_EQ(m->events[1].kv.mod_revision, 3);
}

TEST(EtcdCodecTest, RecognisesCreatedAndCompacted) {
  auto created = ParseWatchLine(
      R"({"result":{"header":{"revision":"3"},"created":true}})");
  ASSERT_TRUE(created.ok());
  EXPECT_TRUE(created->created);
  auto compacted = ParseWatchLine(
      R"({"result":{"header":{"revision":"90"},"compact_revision":"80",)"
      R"("canceled":true,"cancel_reason":"mvcc: required revision has been compacted"}})");
  ASSERT_TRUE(compacted.ok());
  EXPECT_TRUE(compacted->canceled);
  EXPECT_EQ(compacted->compact_revision, 80);
  EXPECT_FALSE(ParseWatchLine(R"({"error":{"grpc_code":14}})").ok());
  EXPECT_FALSE(ParseWatchLine("not json").ok());
}

TEST(EtcdCodecTest, RangeWithoutKvsIsEmpty) {
  auto kvs = ParseKvs(nlohmann::json::parse(R"({"header":{}})"));
  ASSERT_TRUE(kvs.ok());
  EXPECT_TRUE(kvs->empty());
}

}  // namespace
}  // namespace staticship::scheduler::etcd
