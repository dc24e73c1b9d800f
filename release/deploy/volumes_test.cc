#include "release/deploy/volumes.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/base/file.h"
#include "common/testing/temp_dir.h"

namespace staticship::deploy {
namespace {

namespace fs = std::filesystem;

// The tests run as root (a volume is given away with chown) or as anyone,
// in which case the volume is "given" to the test's own ids.
uid_t User() { return ::geteuid() == 0 ? 65532 : ::geteuid(); }
gid_t Group() { return ::geteuid() == 0 ? 65532 : ::getegid(); }

TEST(PrepareVolume, CreatesAPrivateDirectoryOwnedByTheUser) {
  testing::TempDir dir;
  const fs::path root = fs::path(dir.path()) / "volumes";
  Result<fs::path> volume = PrepareVolume(root, "data", User(), Group());
  ASSERT_TRUE(volume.ok()) << volume.message();
  EXPECT_EQ(*volume, root / "data");
  struct stat info {};
  ASSERT_EQ(::stat(volume->c_str(), &info), 0);
  EXPECT_TRUE(S_ISDIR(info.st_mode));
  EXPECT_EQ(info.st_mode & 07777, 0700u);
  EXPECT_EQ(info.st_uid, User());
  EXPECT_EQ(info.st_gid, Group());
  // No probe file is left behind.
  EXPECT_TRUE(fs::is_empty(*volume));
}

TEST(PrepareVolume, KeepsContentsAcrossCalls) {
  testing::TempDir dir;
  Result<fs::path> first = PrepareVolume(dir.path(), "data", User(), Group());
  ASSERT_TRUE(first.ok()) << first.message();
  ASSERT_TRUE(WriteFileAtomically(*first / "queue.log", "task\n").ok());
  Result<fs::path> second = PrepareVolume(dir.path(), "data", User(), Group());
  ASSERT_TRUE(second.ok()) << second.message();
  EXPECT_EQ(*ReadWholeFile(*second / "queue.log"), "task\n");
}

TEST(PrepareVolume, UnwritableDirectoryIsOneClearLine) {
  testing::TempDir dir;
  const fs::path existing = fs::path(dir.path()) / "data";
  ASSERT_EQ(::mkdir(existing.c_str(), 0755), 0);
  // Someone else's directory: root's when we are root, else read-only.
  if (::geteuid() != 0) {
    ASSERT_EQ(::chmod(existing.c_str(), 0555), 0);
  }
  const uid_t other = ::geteuid() == 0 ? 65532 : ::geteuid();
  const gid_t other_group = ::geteuid() == 0 ? 65532 : ::getegid();
  Result<fs::path> volume =
      PrepareVolume(dir.path(), "data", other, other_group);
  ASSERT_FALSE(volume.ok());
  EXPECT_EQ(volume.code(), ErrorCode::kPermissionDenied);
  EXPECT_NE(volume.message().find(existing.string() + " is not writable"),
            std::string::npos)
      << volume.message();
  EXPECT_EQ(volume.message().find('\n'), std::string::npos);
  ::chmod(existing.c_str(), 0755);
}

TEST(PrepareVolume, AFileInTheWayIsAnError) {
  testing::TempDir dir;
  ASSERT_TRUE(
      WriteFileAtomically(fs::path(dir.path()) / "data", "not a dir").ok());
  Result<fs::path> volume = PrepareVolume(dir.path(), "data", User(), Group());
  ASSERT_FALSE(volume.ok());
  EXPECT_NE(volume.message().find("is not a directory"), std::string::npos);
}

}  // namespace
}  // namespace staticship::deploy
