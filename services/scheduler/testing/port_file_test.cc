#include "services/scheduler/testing/port_file.h"

#include <gtest/gtest.h>

#include <thread>

#include "common/base/file.h"
#include "common/testing/temp_dir.h"

namespace staticship::scheduler::testing {
namespace {

using namespace std::chrono_literals;

TEST(PortFileTest, ReadsTheNumberAWriterLeft) {
  staticship::testing::TempDir dir;
  const std::string file = dir.path() + "/port";
  ASSERT_TRUE(WriteFileAtomically(file, "8123\n").ok());
  EXPECT_EQ(ReadPort(file, 1s), 8123);
}

TEST(PortFileTest, WaitsForAFileWrittenLater) {
  staticship::testing::TempDir dir;
  const std::string file = dir.path() + "/port";
  std::thread writer([&] {
    std::this_thread::sleep_for(50ms);
    ASSERT_TRUE(WriteFileAtomically(file, "4242\n").ok());
  });
  EXPECT_EQ(ReadPort(file, 10s), 4242);
  writer.join();
}

TEST(PortFileTest, GivesZeroWhenNoNumberComesInTime) {
  staticship::testing::TempDir dir;
  EXPECT_EQ(ReadPort(dir.path() + "/missing", 100ms), 0);
  const std::string garbage = dir.path() + "/garbage";
  ASSERT_TRUE(WriteFileAtomically(garbage, "not a port\n").ok());
  EXPECT_EQ(ReadPort(garbage, 100ms), 0);
  const std::string zero = dir.path() + "/zero";
  ASSERT_TRUE(WriteFileAtomically(zero, "0\n").ok());
  EXPECT_EQ(ReadPort(zero, 100ms), 0);
}

}  // namespace
}  // namespace staticship::scheduler::testing
