#include "common/base/result.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>

namespace staticship {
namespace {

Result<int> Half(int n) {
  if (n % 2 != 0) return MakeError(std::to_string(n) + " is odd");
  return n / 2;
}

TEST(ResultTest, HoldsAValueOrAnError) {
  Result<int> even = Half(8);
  ASSERT_TRUE(even.ok());
  EXPECT_TRUE(static_cast<bool>(even));
  EXPECT_EQ(*even, 4);
  EXPECT_EQ(even.value(), 4);
  Result<int> odd = Half(3);
  ASSERT_FALSE(odd.ok());
  EXPECT_EQ(odd.message(), "3 is odd");
  EXPECT_EQ(odd.error().message, "3 is odd");
}

TEST(ResultTest, MovesOutMoveOnlyValues) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(7);
  ASSERT_TRUE(r.ok());
  std::unique_ptr<int> owned = std::move(r).value();
  EXPECT_EQ(*owned, 7);
}

TEST(ResultTest, ArrowReachesMembers) {
  Result<std::string> r = std::string("abc");
  EXPECT_EQ(r->size(), 3u);
}

TEST(StatusTest, OkOrError) {
  Status ok = Status::Ok();
  EXPECT_TRUE(ok.ok());
  EXPECT_TRUE(Status().ok());
  Status failed = MakeError("disk full");
  EXPECT_FALSE(failed.ok());
  EXPECT_FALSE(static_cast<bool>(failed));
  EXPECT_EQ(failed.message(), "disk full");
  // An error passes from a Status into a Result unchanged.
  Result<int> r = failed.error();
  EXPECT_EQ(r.message(), "disk full");
}

TEST(ErrorCodeTest, PlainMakeErrorIsUnknown) {
  Error e = MakeError("something broke");
  EXPECT_EQ(e.code, ErrorCode::kUnknown);
  EXPECT_EQ(e.message, "something broke");
  Error unset;  // a default Error must not read as success
  EXPECT_EQ(unset.code, ErrorCode::kUnknown);
}

TEST(ErrorCodeTest, MakeErrorKeepsTheCode) {
  Error e = MakeError(ErrorCode::kNotFound, "no such task");
  EXPECT_EQ(e.code, ErrorCode::kNotFound);
  EXPECT_EQ(e.message, "no such task");
  // An error that said kOk would pass `code() == kOk` checks as a success.
  EXPECT_EQ(MakeError(ErrorCode::kOk, "oops").code, ErrorCode::kUnknown);
}

TEST(ErrorCodeTest, CodeOfAResultAndAStatus) {
  Result<int> value = 1;
  EXPECT_EQ(value.code(), ErrorCode::kOk);
  Result<int> failed = MakeError(ErrorCode::kUnavailable, "down");
  EXPECT_EQ(failed.code(), ErrorCode::kUnavailable);
  EXPECT_EQ(Status::Ok().code(), ErrorCode::kOk);
  Status exists = MakeError(ErrorCode::kAlreadyExists, "id taken");
  EXPECT_EQ(exists.code(), ErrorCode::kAlreadyExists);
  // Passing an error between a Status and a Result keeps its code.
  Result<int> passed = exists.error();
  EXPECT_EQ(passed.code(), ErrorCode::kAlreadyExists);
}

TEST(ErrorCodeTest, ContextKeepsTheCode) {
  Error inner = MakeError(ErrorCode::kDeadlineExceeded, "[timeout] slow");
  Error outer = WithContext(WithContext(inner, "etcd txn"), "task a");
  EXPECT_EQ(outer.code, ErrorCode::kDeadlineExceeded);
  EXPECT_EQ(outer.message, "task a: etcd txn: [timeout] slow");
  // Context that looks like another kind changes nothing: nothing parses it.
  Error disguised = WithContext(inner, "[exists]");
  EXPECT_EQ(disguised.code, ErrorCode::kDeadlineExceeded);
  EXPECT_EQ(WithContext(MakeError("x"), "ctx").code, ErrorCode::kUnknown);
}

TEST(ErrorCodeTest, NamesFollowAbsl) {
  EXPECT_EQ(ErrorCodeName(ErrorCode::kOk), "OK");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kAlreadyExists), "ALREADY_EXISTS");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kDeadlineExceeded), "DEADLINE_EXCEEDED");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kUnauthenticated), "UNAUTHENTICATED");
  // The numbers are absl's, so a code can cross a process boundary as one.
  EXPECT_EQ(static_cast<int>(ErrorCode::kUnavailable), 14);
  EXPECT_EQ(static_cast<int>(ErrorCode::kUnauthenticated), 16);
  EXPECT_EQ(ErrorCodeName(static_cast<ErrorCode>(99)), "UNKNOWN");
  // Every code has its own name.
  for (int a = 0; a <= 16; ++a) {
    for (int b = a + 1; b <= 16; ++b) {
      EXPECT_NE(ErrorCodeName(static_cast<ErrorCode>(a)),
                ErrorCodeName(static_cast<ErrorCode>(b)))
          << a << " " << b;
    }
  }
}

}  // namespace
}  // namespace staticship
