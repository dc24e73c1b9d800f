#include "release/deploy/layer_unpack.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/base/file.h"
#include "common/testing/temp_dir.h"

namespace staticship::deploy {
namespace {

namespace fs = std::filesystem;

// Writes ustar entries (with PAX or GNU long names when asked) byte by byte,
// independent of the image packer so the two cannot share a bug.
class TarBuilder {
 public:
  TarBuilder& File(const std::string& path, const std::string& content,
                   int mode = 0644, int uid = 0, int gid = 0) {
    Header(path, '0', content.size(), mode, uid, gid, "");
    Data(content);
    return *this;
  }
  TarBuilder& Dir(const std::string& path, int mode = 0755, int uid = 0) {
    Header(path, '5', 0, mode, uid, uid, "");
    return *this;
  }
  TarBuilder& Symlink(const std::string& path, const std::string& target) {
    Header(path, '2', 0, 0777, 0, 0, target);
    return *this;
  }
  TarBuilder& Hardlink(const std::string& path, const std::string& target) {
    Header(path, '1', 0, 0644, 0, 0, target);
    return *this;
  }
  TarBuilder& PaxFile(const std::string& path, const std::string& content) {
    std::string record = " path=" + path + "\n";
    size_t length = record.size() + 1;
    while (std::to_string(length).size() + record.size() != length) ++length;
    std::string pax = std::to_string(length) + record;
    Header("PaxHeaders/x", 'x', pax.size(), 0644, 0, 0, "");
    Data(pax);
    Header("short-name", '0', content.size(), 0644, 0, 0, "");
    Data(content);
    return *this;
  }
  TarBuilder& GnuLongFile(const std::string& path, const std::string& content) {
    Header("././@LongLink", 'L', path.size() + 1, 0644, 0, 0, "");
    Data(path + '\0');
    Header("trunc", '0', content.size(), 0644, 0, 0, "");
    Data(content);
    return *this;
  }
  std::string Finish() const { return out_ + std::string(1024, '\0'); }
  std::string& raw() { return out_; }

 private:
  void Octal(char* field, size_t width, unsigned long long value) {
    std::snprintf(field, width, "%0*llo", static_cast<int>(width - 1), value);
  }
  void Header(const std::string& name, char type, size_t size, int mode,
              int uid, int gid, const std::string& link) {
    char h[512] = {};
    std::snprintf(h, 100, "%s", name.c_str());
    Octal(h + 100, 8, static_cast<unsigned>(mode));
    Octal(h + 108, 8, static_cast<unsigned>(uid));
    Octal(h + 116, 8, static_cast<unsigned>(gid));
    Octal(h + 124, 12, size);
    Octal(h + 136, 12, 0);
    h[156] = type;
    std::snprintf(h + 157, 100, "%s", link.c_str());
    std::memcpy(h + 257,
                "ustar\0"
                "00",
                8);
    std::memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (unsigned char c : h) sum += c;
    std::snprintf(h + 148, 8, "%06o", sum);
    out_.append(h, 512);
  }
  void Data(const std::string& content) {
    out_ += content;
    out_.append((512 - content.size() % 512) % 512, '\0');
  }
  std::string out_;
};

// Root with the whole uid range mapped (not a sandbox's user namespace).
bool FullyPrivileged() {
  std::ifstream map("/proc/self/uid_map");
  long inside = -1, outside = -1, count = 0;
  map >> inside >> outside >> count;
  return ::geteuid() == 0 && count == 4294967295L;
}

// The contents of an unpacked file; a file that is not there fails the test.
std::string Read(const fs::path& p) {
  Result<std::string> text = ReadWholeFile(p);
  if (!text.ok()) {
    ADD_FAILURE() << text.message();
    return "";
  }
  return *text;
}

class LayerUnpackTest : public ::testing::Test {
 protected:
  void SetUp() override { fs::create_directory(root_); }
  staticship::testing::TempDir temp_;
  const fs::path base_{temp_.path()};
  const fs::path root_ = base_ / "rootfs";
};

TEST_F(LayerUnpackTest, WritesFilesDirsAndLinksWithMetadata) {
  TarBuilder tar;
  tar.Dir("usr/")
      .Dir("usr/local/bin/")
      .File("usr/local/bin/app", "binary", 0755)
      .Dir("home/nonroot", 0700, 65532)
      .Symlink("bin", "usr/local/bin")
      .Symlink("etc/abs", "/usr/local/bin/app")
      .Hardlink("usr/local/bin/app2", "usr/local/bin/app");
  Result<UnpackStats> stats = ApplyTarLayer(tar.Finish(), root_);
  ASSERT_TRUE(stats.ok()) << stats.message();
  EXPECT_EQ(Read(root_ / "usr/local/bin/app"), "binary");
  EXPECT_EQ(stats->bytes, 6);
  struct stat st;
  ASSERT_EQ(::stat((root_ / "usr/local/bin/app").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  EXPECT_EQ(st.st_nlink, 2u);
  ASSERT_EQ(::stat((root_ / "home/nonroot").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  if (FullyPrivileged()) {
    EXPECT_EQ(st.st_uid, 65532u);
  }
  EXPECT_EQ(fs::read_symlink(root_ / "bin"), "usr/local/bin");
  EXPECT_EQ(fs::read_symlink(root_ / "etc/abs"), "/usr/local/bin/app");
}

TEST_F(LayerUnpackTest, WhiteoutRemovesLowerLayerFile) {
  ASSERT_TRUE(ApplyTarLayer(TarBuilder()
                                .File("a/b", "1")
                                .File("a/c", "2")
                                .Dir("a/d/")
                                .File("a/d/e", "3")
                                .Finish(),
                            root_)
                  .ok());
  Result<UnpackStats> upper = ApplyTarLayer(
      TarBuilder().File("a/.wh.b", "").File("a/.wh.d", "").Finish(), root_);
  ASSERT_TRUE(upper.ok()) << upper.message();
  EXPECT_FALSE(fs::exists(root_ / "a/b"));
  EXPECT_FALSE(fs::exists(root_ / "a/d"));
  EXPECT_FALSE(fs::exists(root_ / "a/.wh.b"));
  EXPECT_EQ(Read(root_ / "a/c"), "2");
  EXPECT_EQ(upper->whiteouts, 2);
}

TEST_F(LayerUnpackTest, OpaqueWhiteoutKeepsOnlyThisLayersEntries) {
  ASSERT_TRUE(ApplyTarLayer(TarBuilder()
                                .File("d/x", "x")
                                .Dir("d/sub/")
                                .File("d/sub/y", "y")
                                .Finish(),
                            root_)
                  .ok());
  // The new entry comes before the marker: it must survive it.
  Result<UnpackStats> upper = ApplyTarLayer(
      TarBuilder().File("d/z", "z").File("d/.wh..wh..opq", "").Finish(), root_);
  ASSERT_TRUE(upper.ok()) << upper.message();
  EXPECT_FALSE(fs::exists(root_ / "d/x"));
  EXPECT_FALSE(fs::exists(root_ / "d/sub"));
  EXPECT_FALSE(fs::exists(root_ / "d/.wh..wh..opq"));
  EXPECT_EQ(Read(root_ / "d/z"), "z");
}

TEST_F(LayerUnpackTest, LaterLayerReplacesFileByDirectoryAndBack) {
  ASSERT_TRUE(
      ApplyTarLayer(TarBuilder().File("p", "file").Finish(), root_).ok());
  ASSERT_TRUE(
      ApplyTarLayer(TarBuilder().Dir("p/").File("p/q", "q").Finish(), root_)
          .ok());
  EXPECT_EQ(Read(root_ / "p/q"), "q");
  ASSERT_TRUE(
      ApplyTarLayer(TarBuilder().File("p", "file again").Finish(), root_).ok());
  EXPECT_EQ(Read(root_ / "p"), "file again");
}

TEST_F(LayerUnpackTest, RejectsDotDotEscape) {
  Result<UnpackStats> r =
      ApplyTarLayer(TarBuilder().File("a/../../evil", "x").Finish(), root_);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.message().find("escapes the root"), std::string::npos);
  EXPECT_FALSE(fs::exists(base_ / "evil"));
}

TEST_F(LayerUnpackTest, RejectsRelativeSymlinkClimbingAboveRoot) {
  Result<UnpackStats> r = ApplyTarLayer(
      TarBuilder().Symlink("etc/up", "../../outside").Finish(), root_);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.message().find("escapes the root"), std::string::npos)
      << r.message();
  EXPECT_TRUE(
      ApplyTarLayer(TarBuilder().Symlink("etc/ok", "../usr/x").Finish(), root_)
          .ok());
}

TEST_F(LayerUnpackTest, NeverWritesThroughASymlink) {
  fs::create_directory(base_ / "outside");
  ASSERT_TRUE(
      ApplyTarLayer(
          TarBuilder().Symlink("s", (base_ / "outside").string()).Finish(),
          root_)
          .ok());
  Result<UnpackStats> r =
      ApplyTarLayer(TarBuilder().File("s/pwned", "x").Finish(), root_);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.message().find("symlink"), std::string::npos) << r.message();
  EXPECT_FALSE(fs::exists(base_ / "outside/pwned"));
  // A whiteout through the symlink must not delete outside either.
  std::ofstream(base_ / "outside/keep") << "k";
  EXPECT_FALSE(
      ApplyTarLayer(TarBuilder().File("s/.wh.keep", "").Finish(), root_).ok());
  EXPECT_TRUE(fs::exists(base_ / "outside/keep"));
}

TEST_F(LayerUnpackTest, RejectsHardLinkLeavingTheTree) {
  Result<UnpackStats> r = ApplyTarLayer(
      TarBuilder().Hardlink("h", "../../etc/passwd").Finish(), root_);
  ASSERT_FALSE(r.ok());
  EXPECT_FALSE(fs::exists(root_ / "h"));
}

TEST_F(LayerUnpackTest, ReadsPaxAndGnuLongNames) {
  const std::string deep = "very/" + std::string(120, 'n') + "/file";
  TarBuilder tar;
  tar.PaxFile(deep, "pax").GnuLongFile("gnu/" + std::string(110, 'g'), "gnu");
  Result<UnpackStats> r = ApplyTarLayer(tar.Finish(), root_);
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(Read(root_ / deep), "pax");
  EXPECT_EQ(Read(root_ / ("gnu/" + std::string(110, 'g'))), "gnu");
  EXPECT_FALSE(fs::exists(root_ / "short-name"));
}

TEST_F(LayerUnpackTest, RejectsCorruptHeaderAndTruncatedContent) {
  TarBuilder tar;
  tar.File("f", "content");
  std::string bad = tar.Finish();
  bad[10] ^= 1;
  EXPECT_FALSE(ApplyTarLayer(bad, root_).ok());
  std::string truncated =
      TarBuilder().File("g", std::string(2000, 'x')).raw().substr(0, 1024);
  Result<UnpackStats> r = ApplyTarLayer(truncated, root_);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.message().find("truncated"), std::string::npos);
}

}  // namespace
}  // namespace staticship::deploy
