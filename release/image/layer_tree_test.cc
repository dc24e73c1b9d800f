#include "release/image/layer_tree.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace staticship::release {
namespace {

std::vector<std::string> Paths(const LayerTree& tree) {
  std::vector<std::string> out;
  for (const auto& node : tree.Sorted()) out.push_back(node.entry.path);
  return out;
}

TEST(LayerTreeTest, NormalizesAndRejectsEscapes) {
  EXPECT_EQ(*NormalizeImagePath("/usr/local/bin/x"), "usr/local/bin/x");
  EXPECT_EQ(*NormalizeImagePath("usr/bin"), "usr/bin");
  for (const char* bad : {"", "/", "/../etc/shadow", "a/../../b", "a//b",
                          "a/./b", "a/b/", ".."}) {
    EXPECT_FALSE(NormalizeImagePath(bad).ok()) << bad;
  }
  EXPECT_NE(NormalizeImagePath("/a/../b").message().find("escapes"),
            std::string::npos);
}

TEST(LayerTreeTest, AddsParentsAndSortsParentsFirst) {
  LayerTree tree;
  ASSERT_TRUE(tree.AddFileContent("/usr/local/bin/gw", "x", 0755).ok());
  ASSERT_TRUE(tree.AddFileContent("/usr-share", "y", 0644).ok());
  ASSERT_TRUE(tree.AddFileContent("/etc/passwd", "z", 0644).ok());
  EXPECT_EQ(Paths(tree),
            (std::vector<std::string>{"etc", "etc/passwd", "usr", "usr-share",
                                      "usr/local", "usr/local/bin",
                                      "usr/local/bin/gw"}));
  for (const auto& node : tree.Sorted()) {
    if (node.implicit) {
      EXPECT_EQ(node.entry.type, archive::TarEntryType::kDirectory);
      EXPECT_EQ(node.entry.mode, 0755u);
      EXPECT_EQ(node.entry.uid, 0u);
    }
  }
}

TEST(LayerTreeTest, DuplicatesAndConflictsFail) {
  LayerTree tree;
  ASSERT_TRUE(tree.AddFileContent("/a/b", "x", 0644).ok());
  const Status dup = tree.AddFileContent("a/b", "y", 0644);
  EXPECT_FALSE(dup.ok());
  EXPECT_EQ(dup.message(), "duplicate path /a/b");
  EXPECT_FALSE(tree.AddFileContent("/a/b/c", "z", 0644).ok());  // file as dir
  EXPECT_FALSE(tree.AddFileContent("/a", "z", 0644).ok());      // dir as file
  // An implicit directory may be made explicit once.
  EXPECT_TRUE(tree.AddDirectory("/a", 0750, 1, 1).ok());
  EXPECT_FALSE(tree.AddDirectory("/a", 0750).ok());
}

TEST(LayerTreeTest, BaseFilesLikeDistroless) {
  LayerTree tree;
  ASSERT_TRUE(tree.AddBaseFiles().ok());
  std::string passwd;
  for (const auto& node : tree.Sorted()) {
    const auto& e = node.entry;
    if (e.path == "etc/passwd") passwd = node.content;
    if (e.path == "tmp") {
      EXPECT_EQ(e.mode, 01777u);
    }
    if (e.path == "home/nonroot") {
      EXPECT_EQ(e.mode, 0700u);
      EXPECT_EQ(e.uid, 65532u);
      EXPECT_EQ(e.gid, 65532u);
    }
  }
  EXPECT_NE(passwd.find("nonroot:x:65532:65532:nonroot:/home/nonroot:"),
            std::string::npos);
  EXPECT_NE(passwd.find("nobody:x:65534:65534:"), std::string::npos);
  EXPECT_EQ(Paths(tree),
            (std::vector<std::string>{"etc", "etc/group", "etc/passwd", "home",
                                      "home/nonroot", "tmp"}));
  // The base cannot be added twice: a second /etc/passwd is a duplicate.
  EXPECT_FALSE(tree.AddFileContent("/etc/passwd", "x", 0644).ok());
}

}  // namespace
}  // namespace staticship::release
