#include "services/scheduler/etcd_txn.h"

#include <gtest/gtest.h>

#include "services/scheduler/testing/etcd_replies.h"

namespace staticship::scheduler::etcd {
namespace {

using nlohmann::json;
using testing::BatchReply;
using testing::RangeResponse;
using testing::TxnReply;

TEST(EtcdTxnTest, ComparesEncodeKeyAndRevisionLikeTheGateway) {
  EXPECT_EQ(
      CompareCreate("/k", 0),
      json({{"target", "CREATE"}, {"key", "L2s="}, {"create_revision", "0"}}));
  EXPECT_EQ(CompareMod("/k", 42),
            json({{"target", "MOD"}, {"key", "L2s="}, {"mod_revision", "42"}}));
  EXPECT_EQ(CompareLease("/k", 7587862),
            json({{"target", "LEASE"}, {"key", "L2s="}, {"lease", "7587862"}}));
}

TEST(EtcdTxnTest, PutCarriesALeaseOnlyWhenGiven) {
  EXPECT_EQ(OpPut("/k", "v"),
            json({{"request_put", {{"key", "L2s="}, {"value", "dg=="}}}}));
  EXPECT_EQ(OpPut("/k", "v", 9),
            json({{"request_put",
                   {{"key", "L2s="}, {"value", "dg=="}, {"lease", "9"}}}}));
  // Values are bytes: a record with NULs survives.
  std::string binary("a\0b", 3);
  EXPECT_EQ(OpPut("/k", binary)["request_put"]["value"], "YQBi");
}

TEST(EtcdTxnTest, DeleteAndRangeNameOneKey) {
  EXPECT_EQ(OpDelete("/k"),
            json({{"request_delete_range", {{"key", "L2s="}}}}));
  EXPECT_EQ(OpRange("/k"), json({{"request_range", {{"key", "L2s="}}}}));
}

TEST(EtcdTxnTest, ReadsTheOutcomeAndRevisionOfAnAnswer) {
  EXPECT_TRUE(Succeeded(TxnReply(true, 5)));
  EXPECT_FALSE(Succeeded(TxnReply(false, 5)));
  EXPECT_FALSE(Succeeded(json::object()));
  EXPECT_EQ(ReplyRevision(TxnReply(false, 123456789012)), 123456789012);
  EXPECT_EQ(ReplyRevision(json::object()), 0);
}

TEST(EtcdTxnTest, RangeResultPicksTheIndexedResponse) {
  KeyValue claim{"/p/claims/a", "other", 10, 11, 99};
  json reply = TxnReply(false, 12, {RangeResponse(claim), RangeResponse({})});
  auto first = RangeResult(reply, 0);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->key, "/p/claims/a");
  EXPECT_EQ(first->value, "other");
  EXPECT_EQ(first->create_revision, 10);
  EXPECT_EQ(first->mod_revision, 11);
  EXPECT_EQ(first->lease, 99);
  EXPECT_FALSE(RangeResult(reply, 1));  // nothing matched
  EXPECT_FALSE(RangeResult(reply, 2));  // no such response
  EXPECT_FALSE(RangeResult(json::object(), 0));
  EXPECT_FALSE(RangeResult(json({{"responses", "x"}}), 0));
  // A put's response in that place is no range.
  EXPECT_FALSE(RangeResult(
      TxnReply(true, 3, {json{{"response_put", json::object()}}}), 0));
}

TEST(EtcdTxnTest, BatchNestsEachTxnInOrderWithoutCompares) {
  json a = {{"compare", {CompareCreate("/a", 0)}},
            {"success", {OpPut("/a", "x")}}};
  json b = {{"compare", {CompareCreate("/b", 0)}},
            {"success", {OpPut("/b", "y"), OpDelete("/c")}}};
  json batch = BatchTxn({a, b});
  EXPECT_EQ(batch["compare"], json::array());
  ASSERT_EQ(batch["success"].size(), 2u);
  EXPECT_EQ(batch["success"][0], json({{"request_txn", a}}));
  EXPECT_EQ(batch["success"][1], json({{"request_txn", b}}));
  EXPECT_FALSE(batch.contains("failure"));
}

TEST(EtcdTxnTest, NestedRepliesReadLikeTxnRepliesAtTheBatchRevision) {
  KeyValue claim{"/p/claims/b", "other", 10, 11, 99};
  json reply = BatchReply(
      40, {TxnReply(true, 0), TxnReply(false, 0, {RangeResponse(claim)})});
  auto first = NestedReply(reply, 0);
  auto second = NestedReply(reply, 1);
  ASSERT_TRUE(first && second);
  EXPECT_TRUE(Succeeded(*first));
  EXPECT_FALSE(Succeeded(*second));
  EXPECT_EQ(ReplyRevision(*first), 40);
  EXPECT_EQ(ReplyRevision(*second), 40);
  ASSERT_TRUE(RangeResult(*second, 0));
  EXPECT_EQ(RangeResult(*second, 0)->value, "other");
  EXPECT_FALSE(NestedReply(reply, 2));
  // A plain answer in the place of a nested one is no nested answer.
  EXPECT_FALSE(NestedReply(TxnReply(true, 3, {RangeResponse({})}), 0));
  EXPECT_FALSE(NestedReply(json::object(), 0));
}

TEST(EtcdTxnTest, AppliedWritesCountOnlyTheBranchesThatRan) {
  json a = {{"compare", {CompareCreate("/a", 0)}},
            {"success", {OpPut("/a", "x")}},
            {"failure", {OpRange("/a")}}};
  json b = {{"compare", {CompareCreate("/b", 0)}},
            {"success", {OpPut("/b", "y"), OpDelete("/c")}},
            {"failure", {OpRange("/b")}}};
  json batch = BatchTxn({a, b});
  EXPECT_EQ(AppliedWrites(
                batch, BatchReply(9, {TxnReply(true, 0), TxnReply(true, 0)})),
            3u);
  EXPECT_EQ(AppliedWrites(
                batch, BatchReply(9, {TxnReply(false, 0), TxnReply(true, 0)})),
            2u);
  EXPECT_EQ(AppliedWrites(
                batch, BatchReply(9, {TxnReply(true, 0), TxnReply(false, 0)})),
            1u);
  EXPECT_EQ(AppliedWrites(batch, json::object()), 0u);
}

}  // namespace
}  // namespace staticship::scheduler::etcd
