#include "services/scheduler/log_record.h"

#include <gtest/gtest.h>

namespace staticship::scheduler {
namespace {

std::string ThreeRecords() {
  std::string buf;
  AppendRecord("alpha", &buf);
  AppendRecord("", &buf);
  AppendRecord("gamma-gamma", &buf);
  return buf;
}

TEST(LogRecordTest, RoundTrip) {
  std::string buf = ThreeRecords();
  ScanResult scan = ScanRecords(buf);
  EXPECT_FALSE(scan.torn);
  EXPECT_EQ(scan.valid_bytes, buf.size());
  ASSERT_EQ(scan.records.size(), 3u);
  EXPECT_EQ(scan.records[0], "alpha");
  EXPECT_EQ(scan.records[1], "");
  EXPECT_EQ(scan.records[2], "gamma-gamma");
}

TEST(LogRecordTest, EveryTruncationKeepsTheWholeRecordsBeforeIt) {
  std::string buf = ThreeRecords();
  size_t second_end = 8 + 5 + 8;
  for (size_t cut = second_end + 1; cut < buf.size(); ++cut) {
    ScanResult scan = ScanRecords(std::string_view(buf).substr(0, cut));
    EXPECT_TRUE(scan.torn) << cut;
    EXPECT_EQ(scan.valid_bytes, second_end) << cut;
    EXPECT_EQ(scan.records.size(), 2u) << cut;
  }
}

TEST(LogRecordTest, CrcMismatchStopsAtTheBadRecordOffset) {
  std::string buf = ThreeRecords();
  buf[8 + 5 + 8 + 8 + 2] ^= 0x20;  // flip a bit inside "gamma-gamma"
  ScanResult scan = ScanRecords(buf);
  EXPECT_TRUE(scan.torn);
  EXPECT_EQ(scan.reason, "CRC mismatch");
  EXPECT_EQ(scan.valid_bytes, 8u + 5 + 8);
  EXPECT_EQ(scan.records.size(), 2u);
}

TEST(LogRecordTest, AbsurdLengthIsCorruption) {
  std::string buf = ThreeRecords();
  buf[3] = '\x7f';  // first record length becomes huge
  ScanResult scan = ScanRecords(buf);
  EXPECT_TRUE(scan.torn);
  EXPECT_EQ(scan.valid_bytes, 0u);
  EXPECT_TRUE(scan.records.empty());
}

}  // namespace
}  // namespace staticship::scheduler
