#include "common/base/file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include "common/testing/temp_dir.h"

namespace staticship {
namespace {

namespace fs = std::filesystem;

class FileTest : public ::testing::Test {
 protected:
  staticship::testing::TempDir temp_;
  const fs::path dir_{temp_.path()};
};

TEST_F(FileTest, WritesAndReadsBack) {
  const fs::path path = dir_ / "data";
  // Larger than one read buffer, with NUL bytes.
  std::string bytes(200000, 'x');
  bytes[7] = '\0';
  ASSERT_TRUE(WriteFileAtomically(path, bytes).ok());
  Result<std::string> back = ReadWholeFile(path);
  ASSERT_TRUE(back.ok()) << back.message();
  EXPECT_EQ(*back, bytes);
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644u);
}

TEST_F(FileTest, ReplacesAndLeavesNoTemporary) {
  const fs::path path = dir_ / "index.json";
  ASSERT_TRUE(WriteFileAtomically(path, "old").ok());
  ASSERT_TRUE(
      WriteFileAtomically(path, "new", {.mode = 0600, .durable = true}).ok());
  EXPECT_EQ(*ReadWholeFile(path), "new");
  Result<std::vector<std::string>> names = ListDirectory(dir_.string());
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, std::vector<std::string>{"index.json"});
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
}

TEST_F(FileTest, DurableWriteToABareNameUsesTheWorkingDirectory) {
  const fs::path cwd = fs::current_path();
  fs::current_path(dir_);
  Status s = WriteFileAtomically("port", "8080\n", {.durable = true});
  fs::current_path(cwd);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(*ReadWholeFile(dir_ / "port"), "8080\n");
}

TEST_F(FileTest, ErrorsNameThePathAndTheReason) {
  Result<std::string> missing = ReadWholeFile(dir_ / "absent");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.message(), "cannot open " + (dir_ / "absent").string() +
                                   ": No such file or directory");
  Status s = WriteFileAtomically(dir_ / "no/such/dir/file", "x");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("cannot create"), std::string::npos);
  EXPECT_NE(s.message().find("No such file or directory"), std::string::npos);
}

TEST_F(FileTest, FailedRenameRemovesTheTemporary) {
  // A directory in the way: rename(2) of a file over it fails.
  fs::create_directory(dir_ / "taken");
  fs::create_directory(dir_ / "taken" / "child");
  Status s = WriteFileAtomically(dir_ / "taken", "x");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("cannot rename to"), std::string::npos);
  Result<std::vector<std::string>> names = ListDirectory(dir_.string());
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, std::vector<std::string>{"taken"});
}

TEST(IsAtomicWriteTemporaryTest, KnowsItsOwnNames) {
  EXPECT_TRUE(IsAtomicWriteTemporary("snapshot-0001.tmp-a1B2c3"));
  EXPECT_FALSE(IsAtomicWriteTemporary("snapshot-0001"));
  EXPECT_FALSE(IsAtomicWriteTemporary("wal-0001.log"));
  EXPECT_FALSE(IsAtomicWriteTemporary("x.tmp-"));
  EXPECT_FALSE(IsAtomicWriteTemporary("x.tmp-abcdefg"));
}

TEST_F(FileTest, MakeDirsAndListDirectory) {
  const std::string deep = (dir_ / "a/b/c").string();
  ASSERT_TRUE(MakeDirs(deep).ok());
  ASSERT_TRUE(MakeDirs(deep).ok());  // idempotent
  ASSERT_TRUE(WriteFileAtomically(dir_ / "a/file", "").ok());
  Result<std::vector<std::string>> names = ListDirectory((dir_ / "a").string());
  ASSERT_TRUE(names.ok());
  std::sort(names->begin(), names->end());
  EXPECT_EQ(*names, (std::vector<std::string>{"b", "file"}));
  Status not_dir = MakeDirs((dir_ / "a/file").string());
  ASSERT_FALSE(not_dir.ok());
  EXPECT_NE(not_dir.message().find("is not a directory"), std::string::npos);
  EXPECT_FALSE(MakeDirs("").ok());
  EXPECT_FALSE(ListDirectory((dir_ / "absent").string()).ok());
  EXPECT_TRUE(SyncDirectory(dir_).ok());
  EXPECT_FALSE(SyncDirectory(dir_ / "absent").ok());
}

TEST_F(FileTest, WriteAllWritesEverything) {
  const fs::path path = dir_ / "raw";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  EXPECT_TRUE(WriteAll(fd, "hello", path.native()).ok());
  ::close(fd);
  EXPECT_EQ(*ReadWholeFile(path), "hello");
  Status bad = WriteAll(-1, "x", "nowhere");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.message(), "cannot write nowhere: Bad file descriptor");
}

}  // namespace
}  // namespace staticship
