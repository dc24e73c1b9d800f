#include "common/archive/tar_writer.h"

#include <gtest/gtest.h>

#include <string>

#include "common/archive/gzip.h"

namespace staticship::archive {
namespace {

// The expected checksum was produced independently by CPython's tarfile
// module (format=USTAR_FORMAT, mtime 0, empty uname/gname) for the same
// entries, truncated before its 10 KiB record padding (sha256 19916bad...).
TEST(TarWriterTest, MatchesPythonUstarBytes) {
  TarBuilder tar(0);
  tar.AddDirectory("etc", 0755);
  tar.AddFile("etc/passwd", 0644, "root:x:0:0:root:/root:/sbin/nologin\n");
  tar.AddDirectory("home/nonroot", 0700, 65532, 65532);
  tar.AddDirectory("tmp", 01777);
  const std::string long_path =
      "usr/" + std::string(60, 'a') + "/" + std::string(90, 'b') + "/file";
  tar.AddFile(long_path, 0755, std::string(600, 'x'));
  tar.AddSymlink("usr/local/bin/sh", "busybox");
  const std::string bytes = std::move(tar).Finish();
  EXPECT_EQ(bytes.size(), 11u * 512);
  EXPECT_EQ(Crc32(bytes), 0xd48fd408u);
}

TEST(TarWriterTest, HeaderFields) {
  const std::string h = EncodeTarHeader(
      TarEntry{"tmp", TarEntryType::kDirectory, 01777, 0, 0, 0, ""}, 0);
  ASSERT_EQ(h.size(), 512u);
  EXPECT_EQ(h.substr(0, 5), std::string("tmp/\0", 5));
  EXPECT_EQ(h.substr(100, 8), std::string("0001777\0", 8));
  EXPECT_EQ(h.substr(124, 12), std::string("00000000000\0", 12));
  EXPECT_EQ(h[156], '5');
  EXPECT_EQ(h.substr(257, 8), std::string("ustar\0"
                                          "00",
                                          8));
  EXPECT_EQ(h.substr(265, 64), std::string(64, '\0'));  // no uname/gname
}

TEST(TarWriterTest, MtimeComesFromCaller) {
  const std::string h = EncodeTarHeader(
      TarEntry{"a", TarEntryType::kFile, 0644, 0, 0, 0, ""}, 1700000000);
  EXPECT_EQ(h.substr(136, 12), std::string("14524770400\0", 12));
}

TEST(TarWriterTest, PaxOnlyWhenNeededAndWithoutTimes) {
  // Fits ustar: one block, no PAX.
  EXPECT_EQ(EncodeTarHeader(TarEntry{std::string(100, 'n'), TarEntryType::kFile,
                                     0644, 0, 0, 0, ""},
                            0)
                .size(),
            512u);
  // A 300-byte component cannot be split: PAX path record.
  const std::string path = "dir/" + std::string(300, 'p');
  const std::string h = EncodeTarHeader(
      TarEntry{path, TarEntryType::kFile, 0644, 0, 0, 5, ""}, 0);
  ASSERT_EQ(h.size(), 3u * 512);
  EXPECT_EQ(h[156], 'x');
  EXPECT_EQ(h.substr(0, 11), "PaxHeaders/");  // no pid in the name
  const std::string record = "314 path=" + path + "\n";
  EXPECT_EQ(h.substr(512, record.size()), record);
  EXPECT_EQ(h.find("atime"), std::string::npos);
  EXPECT_EQ(h.find("ctime"), std::string::npos);
  EXPECT_EQ(h[1024 + 156], '0');
}

TEST(TarWriterTest, LongLinkTargetUsesPaxLinkpath) {
  const std::string target(150, 't');
  const std::string h = EncodeTarHeader(
      TarEntry{"l", TarEntryType::kSymlink, 0777, 0, 0, 0, target}, 0);
  EXPECT_NE(h.find("linkpath=" + target + "\n"), std::string::npos);
}

TEST(TarWriterTest, Padding) {
  EXPECT_EQ(TarPaddingSize(0), 0u);
  EXPECT_EQ(TarPaddingSize(1), 511u);
  EXPECT_EQ(TarPaddingSize(512), 0u);
  EXPECT_EQ(TarTrailer().size(), 1024u);
}

}  // namespace
}  // namespace staticship::archive
