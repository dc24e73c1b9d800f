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

}  // namespace
}  // namespace staticship
