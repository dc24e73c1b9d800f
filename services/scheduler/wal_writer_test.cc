#include "services/scheduler/wal_writer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "common/base/file.h"
#include "common/testing/temp_dir.h"
#include "services/scheduler/log_record.h"
#include "services/scheduler/testing/faulty_log_file.h"

namespace staticship::scheduler {
namespace {

using staticship::testing::TempDir;
using testing::Faults;
using testing::FaultyOpener;

std::vector<std::string> ReadRecords(const std::string& path) {
  auto bytes = ReadWholeFile(path);
  EXPECT_TRUE(bytes.ok());
  ScanResult scan = ScanRecords(*bytes);
  EXPECT_FALSE(scan.torn) << scan.reason << " at " << scan.valid_bytes;
  return {scan.records.begin(), scan.records.end()};
}

TEST(WalWriterTest, AppendIsOnDiskWhenItReturns) {
  TempDir dir;
  std::string path = dir.path() + "/a.log";
  auto file = PosixLogFile::Open(path);
  ASSERT_TRUE(file.ok());
  WalWriter wal(std::move(file).value(), /*sync=*/true);
  ASSERT_TRUE(wal.Append("one").ok());
  ASSERT_TRUE(wal.Append("two").ok());
  EXPECT_EQ(ReadRecords(path), (std::vector<std::string>{"one", "two"}));
}

TEST(WalWriterTest, ConcurrentSubmittersShareSyncs) {
  TempDir dir;
  auto faults = std::make_shared<Faults>();
  faults->sync_delay_ms = 5;
  auto file = FaultyOpener(faults)(dir.path() + "/a.log");
  ASSERT_TRUE(file.ok());
  WalWriter wal(std::move(file).value(), /*sync=*/true);
  constexpr int kThreads = 16, kEach = 20;
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        if (wal.Append("r" + std::to_string(t) + "-" + std::to_string(i))
                .ok()) {
          ++ok;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, kThreads * kEach);
  auto stats = wal.stats();
  EXPECT_EQ(stats.records, uint64_t{kThreads * kEach});
  // One sync per batch; with 16 waiting submitters, batches must group.
  EXPECT_EQ(static_cast<uint64_t>(faults->syncs.load()), stats.batches);
  EXPECT_LT(stats.batches, uint64_t{kThreads * kEach} / 4);
  EXPECT_EQ(ReadRecords(dir.path() + "/a.log").size(),
            size_t{kThreads * kEach});
}

TEST(WalWriterTest, DiskFullFailsTheBatchAndLeavesNoPartialRecord) {
  TempDir dir;
  auto faults = std::make_shared<Faults>();
  std::string path = dir.path() + "/a.log";
  auto file = FaultyOpener(faults)(path);
  ASSERT_TRUE(file.ok());
  std::vector<std::string> changes;  // written and read on the writer thread
  WalWriter wal(std::move(file).value(), /*sync=*/true,
                [&changes](const Status& s) {
                  changes.push_back(s.ok() ? "ok" : s.message());
                });
  ASSERT_TRUE(wal.Append("before").ok());
  faults->append_fails = true;
  EXPECT_FALSE(wal.Append("lost").ok());
  Status full = wal.Append("lost too");
  EXPECT_FALSE(full.ok());
  EXPECT_NE(full.message().find("No space"), std::string::npos);
  EXPECT_FALSE(wal.health().ok());
  faults->append_fails = false;  // space freed
  ASSERT_TRUE(wal.Append("after").ok());
  EXPECT_TRUE(wal.health().ok());
  EXPECT_EQ(ReadRecords(path), (std::vector<std::string>{"before", "after"}));
  EXPECT_EQ(wal.stats().failed_batches, 2u);
  // One line when writes start failing, one when they recover.
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_NE(changes[0].find("No space"), std::string::npos);
  EXPECT_EQ(changes[1], "ok");
}

TEST(WalWriterTest, FailedSyncBreaksTheLogForGood) {
  TempDir dir;
  auto faults = std::make_shared<Faults>();
  auto file = FaultyOpener(faults)(dir.path() + "/a.log");
  ASSERT_TRUE(file.ok());
  WalWriter wal(std::move(file).value(), /*sync=*/true);
  faults->sync_fails = true;
  EXPECT_FALSE(wal.Append("x").ok());
  faults->sync_fails = false;
  EXPECT_FALSE(wal.Append("y").ok());
}

TEST(WalWriterTest, NoSyncModeSkipsFdatasync) {
  TempDir dir;
  auto faults = std::make_shared<Faults>();
  auto file = FaultyOpener(faults)(dir.path() + "/a.log");
  ASSERT_TRUE(file.ok());
  WalWriter wal(std::move(file).value(), /*sync=*/false);
  ASSERT_TRUE(wal.Append("x").ok());
  EXPECT_EQ(faults->syncs.load(), 0);
}

TEST(WalWriterTest, RotateSplitsRecordsBetweenFiles) {
  TempDir dir;
  auto a = PosixLogFile::Open(dir.path() + "/a.log");
  auto b = PosixLogFile::Open(dir.path() + "/b.log");
  ASSERT_TRUE(a.ok() && b.ok());
  WalWriter wal(std::move(a).value(), /*sync=*/true);
  wal.Submit("1", nullptr);
  wal.Submit("2", nullptr);
  ASSERT_TRUE(wal.Rotate(std::move(b).value()).ok());
  ASSERT_TRUE(wal.Append("3").ok());
  EXPECT_EQ(ReadRecords(dir.path() + "/a.log"),
            (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(ReadRecords(dir.path() + "/b.log"),
            (std::vector<std::string>{"3"}));
}

TEST(WalWriterTest, SubmitAfterStopFails) {
  TempDir dir;
  auto a = PosixLogFile::Open(dir.path() + "/a.log");
  ASSERT_TRUE(a.ok());
  WalWriter wal(std::move(a).value(), /*sync=*/true);
  wal.Stop();
  EXPECT_FALSE(wal.Append("late").ok());
}

}  // namespace
}  // namespace staticship::scheduler
