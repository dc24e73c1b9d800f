// The file tree of an image layer: validates in-image paths, adds the parent
// directories nobody listed, and orders entries the way reproducible tools
// do (byte-wise by path, so every parent precedes its children).
#ifndef STATICSHIP_RELEASE_IMAGE_LAYER_TREE_H_
#define STATICSHIP_RELEASE_IMAGE_LAYER_TREE_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/archive/tar_writer.h"
#include "common/base/result.h"

namespace staticship::release {

struct LayerNode {
  archive::TarEntry entry;  // path is normalized and relative
  std::string source_path;  // host file to copy (files only), or
  std::string content;      // literal content when source_path is empty
  bool implicit = false;    // a parent directory added by the tree
};

class LayerTree {
 public:
  // Each Add* validates the in-image path ("/usr/bin/x" or "usr/bin/x") and
  // fails on "..", ".", empty components, duplicates or a file used as a
  // directory.
  Status AddFileFromHost(std::string_view image_path, std::string source_path,
                         std::uint32_t mode, std::uint32_t uid = 0,
                         std::uint32_t gid = 0);
  Status AddFileContent(std::string_view image_path, std::string content,
                        std::uint32_t mode, std::uint32_t uid = 0,
                        std::uint32_t gid = 0);
  Status AddDirectory(std::string_view image_path, std::uint32_t mode,
                      std::uint32_t uid = 0, std::uint32_t gid = 0);
  Status AddSymlink(std::string_view image_path, std::string target);

  // The distroless-style base: /etc/passwd and /etc/group with root (0),
  // nobody (65534) and nonroot (65532); /tmp 1777; /home/nonroot 0700 owned
  // by 65532.
  Status AddBaseFiles();

  // All nodes, parents first, sorted byte-wise by path.
  std::vector<LayerNode> Sorted() const;
  std::size_t size() const { return nodes_.size(); }

 private:
  Status Insert(std::string_view image_path, LayerNode node);
  std::map<std::string, LayerNode> nodes_;  // key: normalized path
};

// "/usr//bin/x" is rejected; "/usr/bin/x" and "usr/bin/x" give "usr/bin/x".
Result<std::string> NormalizeImagePath(std::string_view image_path);

}  // namespace staticship::release

#endif  // STATICSHIP_RELEASE_IMAGE_LAYER_TREE_H_
