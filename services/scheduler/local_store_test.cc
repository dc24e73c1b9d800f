#include "services/scheduler/local_store.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <future>
#include <map>

#include "common/base/file.h"
#include "common/base/unique_fd.h"
#include "common/testing/temp_dir.h"
#include "services/scheduler/testing/faulty_log_file.h"

namespace staticship::scheduler {
namespace {

using staticship::testing::TempDir;
using testing::Faults;
using testing::FaultyOpener;

Task MakeTask(const std::string& id, uint64_t version,
              TaskState state = TaskState::kQueued) {
  Task t;
  t.id = id;
  t.zone_id = "z";
  t.version = version;
  t.sequence = version;
  t.state = state;
  return t;
}

Status PersistSync(TaskStore& store, const Task& task) {
  std::promise<Status> p;
  store.Persist(task, [&p](const Status& s) { p.set_value(s); });
  return p.get_future().get();
}

std::map<std::string, Task> ById(const std::vector<Task>& tasks) {
  std::map<std::string, Task> m;
  for (const Task& t : tasks) m[t.id] = t;
  return m;
}

LocalStoreOptions Options(const std::string& dir,
                          std::vector<std::string>* warnings = nullptr) {
  LocalStoreOptions o;
  o.dir = dir;
  o.warn = [warnings](const std::string& w) {
    if (warnings) warnings->push_back(w);
  };
  return o;
}

std::vector<std::string> Files(const std::string& dir,
                               const std::string& prefix) {
  std::vector<std::string> out;
  auto names = ListDirectory(dir);
  for (auto& n : names.value()) {
    if (n.rfind(prefix, 0) == 0) out.push_back(n);
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(LocalStoreTest, RecoversWhatWasPersistedAndNewestVersionWins) {
  TempDir dir;
  {
    LocalStore store(Options(dir.path() + "/data"));  // created if missing
    ASSERT_TRUE(store.Recover().ok());
    ASSERT_TRUE(PersistSync(store, MakeTask("a", 1)).ok());
    ASSERT_TRUE(PersistSync(store, MakeTask("b", 1)).ok());
    ASSERT_TRUE(
        PersistSync(store, MakeTask("a", 3, TaskState::kSucceeded)).ok());
    // A stale record written late must not move "a" backwards.
    ASSERT_TRUE(PersistSync(store, MakeTask("a", 2, TaskState::kRunning)).ok());
  }
  LocalStore again(Options(dir.path() + "/data"));
  auto tasks = again.Recover();
  ASSERT_TRUE(tasks.ok()) << tasks.message();
  auto m = ById(*tasks);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m["a"].state, TaskState::kSucceeded);
  EXPECT_EQ(m["a"].version, 3u);
  EXPECT_EQ(m["b"].state, TaskState::kQueued);
}

TEST(LocalStoreTest, CompactionWritesSnapshotAndDropsOldLogs) {
  TempDir dir;
  std::vector<Task> live;
  {
    LocalStore store(Options(dir.path()));
    ASSERT_TRUE(store.Recover().ok());
    for (int i = 0; i < 200; ++i) {
      live.push_back(MakeTask("t" + std::to_string(i), 1));
      ASSERT_TRUE(PersistSync(store, live.back()).ok());
    }
    auto before = Files(dir.path(), "wal-");
    ASSERT_EQ(before.size(), 1u);
    ASSERT_TRUE(store.Maintain([&] { return live; }, /*force=*/true).ok());
    EXPECT_EQ(Files(dir.path(), "snapshot-").size(), 1u);
    auto after = Files(dir.path(), "wal-");
    ASSERT_EQ(after.size(), 1u);
    EXPECT_NE(after[0], before[0]);
    ASSERT_TRUE(PersistSync(store, MakeTask("t0", 2, TaskState::kDead)).ok());
    ASSERT_TRUE(PersistSync(store, MakeTask("late", 1)).ok());
  }
  LocalStore again(Options(dir.path()));
  auto tasks = again.Recover();
  ASSERT_TRUE(tasks.ok()) << tasks.message();
  auto m = ById(*tasks);
  EXPECT_EQ(m.size(), 201u);
  EXPECT_EQ(m["t0"].state, TaskState::kDead);
  EXPECT_EQ(m["t199"].state, TaskState::kQueued);
  EXPECT_EQ(m.count("late"), 1u);
}

TEST(LocalStoreTest, CompactsOnlyPastTheThreshold) {
  TempDir dir;
  LocalStoreOptions o = Options(dir.path());
  o.compact_after_bytes = 4096;
  LocalStore store(o);
  ASSERT_TRUE(store.Recover().ok());
  ASSERT_TRUE(PersistSync(store, MakeTask("a", 1)).ok());
  auto capture = [] { return std::vector<Task>{MakeTask("a", 1)}; };
  ASSERT_TRUE(store.Maintain(capture, false).ok());
  EXPECT_TRUE(Files(dir.path(), "snapshot-").empty());
  // Binary records are a few dozen bytes: 200 of them pass 4 KiB.
  for (int i = 0; i < 200; ++i)
    ASSERT_TRUE(PersistSync(store, MakeTask("a", 2 + i)).ok());
  ASSERT_TRUE(store.Maintain(capture, false).ok());
  EXPECT_EQ(Files(dir.path(), "snapshot-").size(), 1u);
}

TEST(LocalStoreTest, TornTailIsDroppedWithAWarningNamingTheOffset) {
  TempDir dir;
  uint64_t good_size = 0;
  std::string log;
  {
    LocalStore store(Options(dir.path()));
    ASSERT_TRUE(store.Recover().ok());
    ASSERT_TRUE(PersistSync(store, MakeTask("a", 1)).ok());
    ASSERT_TRUE(PersistSync(store, MakeTask("b", 1)).ok());
    log = dir.path() + "/" + Files(dir.path(), "wal-")[0];
    good_size = ReadWholeFile(log)->size();
  }
  {
    // Half a record: a header promising 100 bytes, then 10.
    UniqueFd fd(::open(log.c_str(), O_WRONLY | O_APPEND));
    std::string torn =
        std::string("\x64\0\0\0\x11\x22\x33\x44", 8) + std::string(10, 'x');
    ASSERT_EQ(::write(fd.get(), torn.data(), torn.size()),
              static_cast<ssize_t>(torn.size()));
  }
  std::vector<std::string> warnings;
  LocalStore again(Options(dir.path(), &warnings));
  auto tasks = again.Recover();
  ASSERT_TRUE(tasks.ok()) << tasks.message();
  EXPECT_EQ(tasks->size(), 2u);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("offset " + std::to_string(good_size)),
            std::string::npos)
      << warnings[0];
  EXPECT_EQ(ReadWholeFile(log)->size(), good_size);  // truncated
}

TEST(LocalStoreTest, CrcMismatchInLastRecordDropsOnlyThatRecord) {
  TempDir dir;
  {
    LocalStore store(Options(dir.path()));
    ASSERT_TRUE(store.Recover().ok());
    ASSERT_TRUE(PersistSync(store, MakeTask("a", 1)).ok());
    ASSERT_TRUE(PersistSync(store, MakeTask("b", 1)).ok());
  }
  std::string log = dir.path() + "/" + Files(dir.path(), "wal-")[0];
  std::string bytes = ReadWholeFile(log).value();
  bytes[bytes.size() - 5] ^= 0x01;
  ASSERT_TRUE(WriteFileAtomically(log, bytes).ok());
  std::vector<std::string> warnings;
  LocalStore again(Options(dir.path(), &warnings));
  auto tasks = again.Recover();
  ASSERT_TRUE(tasks.ok());
  ASSERT_EQ(tasks->size(), 1u);
  EXPECT_EQ((*tasks)[0].id, "a");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("CRC mismatch"), std::string::npos);
}

TEST(LocalStoreTest, CorruptedSnapshotStopsRecovery) {
  TempDir dir;
  {
    LocalStore store(Options(dir.path()));
    ASSERT_TRUE(store.Recover().ok());
    ASSERT_TRUE(PersistSync(store, MakeTask("a", 1)).ok());
    ASSERT_TRUE(
        store.Maintain([] { return std::vector<Task>{MakeTask("a", 1)}; }, true)
            .ok());
  }
  std::string name = Files(dir.path(), "snapshot-")[0];
  std::string bytes = ReadWholeFile(dir.path() + "/" + name).value();
  bytes[bytes.size() - 1] ^= 0x40;
  ASSERT_TRUE(WriteFileAtomically(dir.path() + "/" + name, bytes).ok());
  LocalStore again(Options(dir.path()));
  auto tasks = again.Recover();
  ASSERT_FALSE(tasks.ok());
  EXPECT_NE(tasks.message().find("corrupted snapshot"), std::string::npos);
  EXPECT_NE(tasks.message().find(name), std::string::npos);
}

TEST(LocalStoreTest, UnwritableDirServesReadsButRefusesWrites) {
  TempDir dir;
  {
    LocalStore store(Options(dir.path()));
    ASSERT_TRUE(store.Recover().ok());
    ASSERT_TRUE(PersistSync(store, MakeTask("a", 1)).ok());
  }
  LocalStoreOptions o = Options(dir.path());
  o.open_log = [](const std::string& path) -> Result<std::unique_ptr<LogFile>> {
    return MakeError("cannot open log " + path + ": Read-only file system");
  };
  LocalStore store(o);
  auto tasks = store.Recover();
  ASSERT_TRUE(tasks.ok());
  EXPECT_EQ(tasks->size(), 1u);
  EXPECT_FALSE(store.Health().ok());
  Status s = PersistSync(store, MakeTask("b", 1));
  EXPECT_NE(s.message().find("Read-only"), std::string::npos);
  // Nothing is written, so there is nothing to compact: the once-a-second
  // maintenance must not report the open error again and again.
  EXPECT_TRUE(store.Maintain([] { return std::vector<Task>{}; }, false).ok());
}

TEST(LocalStoreTest, DiskFullFailsPersistAndRecovers) {
  TempDir dir;
  auto faults = std::make_shared<Faults>();
  LocalStoreOptions o = Options(dir.path());
  o.open_log = FaultyOpener(faults);
  {
    LocalStore store(o);
    ASSERT_TRUE(store.Recover().ok());
    faults->append_fails = true;
    EXPECT_FALSE(PersistSync(store, MakeTask("lost", 1)).ok());
    EXPECT_FALSE(store.Health().ok());
    faults->append_fails = false;
    EXPECT_TRUE(PersistSync(store, MakeTask("kept", 1)).ok());
  }
  LocalStore again(Options(dir.path()));
  auto tasks = again.Recover();
  ASSERT_TRUE(tasks.ok());
  ASSERT_EQ(tasks->size(), 1u);
  EXPECT_EQ((*tasks)[0].id, "kept");
}

}  // namespace
}  // namespace staticship::scheduler
