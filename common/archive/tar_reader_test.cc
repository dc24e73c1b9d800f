#include "common/archive/tar_reader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "common/archive/tar_writer.h"

namespace staticship::archive {
namespace {

std::vector<TarMember> ReadAll(std::string_view archive) {
  std::vector<TarMember> members;
  TarReader reader(archive);
  for (;;) {
    Result<std::optional<TarMember>> next = reader.Next();
    EXPECT_TRUE(next.ok()) << next.message();
    if (!next.ok() || !next->has_value()) break;
    members.push_back(std::move(**next));
  }
  return members;
}

// A file header turned into another type, its checksum recomputed: for the
// GNU records our writer never emits.
std::string Retyped(std::string header, char type) {
  header[156] = type;
  std::fill(header.begin() + 148, header.begin() + 156, ' ');
  unsigned sum = 0;
  for (size_t i = 0; i < 512; ++i) sum += static_cast<unsigned char>(header[i]);
  char field[8];
  std::snprintf(field, sizeof field, "%06o", sum);  // six digits and a NUL
  header.replace(148, 7, field, 7);
  return header;
}

TEST(TarReaderTest, ReadsWhatTheWriterWrote) {
  TarBuilder tar(1700000000);
  tar.AddDirectory("etc", 0755);
  tar.AddFile("etc/passwd", 0644, "root:x:0:0\n", 0, 0);
  tar.AddFile("home/nonroot/.profile", 0600, "", 65532, 65532);
  tar.AddSymlink("bin/sh", "busybox");
  const std::string bytes = std::move(tar).Finish();
  const std::vector<TarMember> m = ReadAll(bytes);
  ASSERT_EQ(m.size(), 4u);
  EXPECT_EQ(m[0].path, "etc/");
  EXPECT_EQ(m[0].type, '5');
  EXPECT_EQ(m[0].mode, 0755);
  EXPECT_EQ(m[1].path, "etc/passwd");
  EXPECT_EQ(m[1].type, '0');
  EXPECT_EQ(m[1].content, "root:x:0:0\n");
  EXPECT_EQ(m[1].size, 11);
  EXPECT_EQ(m[1].mtime, 1700000000);
  EXPECT_EQ(m[2].uid, 65532);
  EXPECT_EQ(m[2].gid, 65532);
  EXPECT_EQ(m[2].mode, 0600);
  EXPECT_EQ(m[3].type, '2');
  EXPECT_EQ(m[3].link, "busybox");
}

TEST(TarReaderTest, AppliesPaxRecordsToTheNextEntryOnly) {
  const std::string deep = "very/" + std::string(300, 'n') + "/file";
  const std::string target(150, 't');
  TarBuilder tar(0);
  tar.AddFile(deep, 0644, "pax", 0, 3000000);  // PAX path and gid
  tar.AddSymlink("link", target);              // PAX linkpath
  tar.AddFile("plain", 0644, "x");
  const std::string bytes = std::move(tar).Finish();
  const std::vector<TarMember> m = ReadAll(bytes);
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[0].path, deep);
  EXPECT_EQ(m[0].gid, 3000000);
  EXPECT_EQ(m[0].content, "pax");
  EXPECT_EQ(m[1].link, target);
  EXPECT_EQ(m[2].path, "plain");
  EXPECT_EQ(m[2].gid, 0);
}

TEST(TarReaderTest, AppliesGnuLongNames) {
  const std::string name = "gnu/" + std::string(110, 'g');
  std::string long_link =
      EncodeTarHeader(TarEntry{"././@LongLink", TarEntryType::kFile, 0644, 0, 0,
                               name.size() + 1, ""},
                      0);
  std::string archive = Retyped(long_link, 'L');
  archive += name + '\0';
  archive.append(TarPaddingSize(name.size() + 1), '\0');
  TarBuilder rest(0);
  rest.AddFile("trunc", 0644, "gnu");
  archive += std::move(rest).Finish();
  const std::vector<TarMember> m = ReadAll(archive);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].path, name);
  EXPECT_EQ(m[0].content, "gnu");
}

TEST(TarReaderTest, EndsAtTheEndOfTheBytes) {
  TarBuilder tar(0);
  tar.AddFile("f", 0644, "x");
  std::string without_trailer = tar.bytes();
  EXPECT_EQ(ReadAll(without_trailer).size(), 1u);
  EXPECT_TRUE(ReadAll("").empty());
}

TEST(TarReaderTest, RejectsCorruptHeaderAndTruncatedContent) {
  TarBuilder tar(0);
  tar.AddFile("f", 0644, "content");
  std::string bad = std::move(tar).Finish();
  bad[10] ^= 1;
  Result<std::optional<TarMember>> corrupt = TarReader(bad).Next();
  ASSERT_FALSE(corrupt.ok());
  EXPECT_EQ(corrupt.message(), "tar header checksum mismatch at offset 0");

  TarBuilder big(0);
  big.AddFile("g", 0644, std::string(2000, 'x'));
  const std::string truncated = big.bytes().substr(0, 1024);
  Result<std::optional<TarMember>> r = TarReader(truncated).Next();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.message(), "tar entry 'g' is truncated");
}

}  // namespace
}  // namespace staticship::archive
