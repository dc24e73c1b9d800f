#include "release/image/layer_tree.h"

#include <utility>

namespace staticship::release {
namespace {

using archive::TarEntry;
using archive::TarEntryType;

constexpr std::uint32_t kNonroot = 65532;

constexpr std::string_view kPasswd =
    "root:x:0:0:root:/root:/sbin/nologin\n"
    "nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n"
    "nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n";

constexpr std::string_view kGroup =
    "root:x:0:\n"
    "nobody:x:65534:\n"
    "nonroot:x:65532:\n";

}  // namespace

Result<std::string> NormalizeImagePath(std::string_view image_path) {
  std::string_view rest = image_path;
  if (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);
  if (rest.empty()) {
    return MakeError("invalid image path '" + std::string(image_path) +
                     "': empty");
  }
  std::string out;
  while (true) {
    const std::size_t slash = rest.find('/');
    const std::string_view part = rest.substr(0, slash);
    if (part == "..") {
      return MakeError("invalid image path '" + std::string(image_path) +
                       "': escapes the image root");
    }
    if (part.empty() || part == ".") {
      return MakeError("invalid image path '" + std::string(image_path) +
                       "': empty or '.' component");
    }
    if (part.find('\0') != std::string_view::npos) {
      return MakeError("invalid image path: contains NUL");
    }
    if (!out.empty()) out += '/';
    out += part;
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  return out;
}

Status LayerTree::Insert(std::string_view image_path, LayerNode node) {
  auto path = NormalizeImagePath(image_path);
  if (!path.ok()) return path.error();
  node.entry.path = *path;

  // Every ancestor must be (or become) a directory.
  for (std::size_t slash = path->find('/'); slash != std::string::npos;
       slash = path->find('/', slash + 1)) {
    const std::string parent = path->substr(0, slash);
    auto it = nodes_.find(parent);
    if (it == nodes_.end()) {
      LayerNode dir;
      dir.entry = TarEntry{parent, TarEntryType::kDirectory, 0755, 0, 0, 0, ""};
      dir.implicit = true;
      nodes_.emplace(parent, std::move(dir));
    } else if (it->second.entry.type != TarEntryType::kDirectory) {
      return MakeError("path conflict: /" + parent +
                       " is not a directory but /" + *path + " is inside it");
    }
  }

  auto it = nodes_.find(*path);
  if (it != nodes_.end()) {
    // An implicit parent may be made explicit once (to set its mode/owner).
    const bool upgrade =
        it->second.implicit && node.entry.type == TarEntryType::kDirectory;
    if (!upgrade) {
      if (it->second.implicit) {
        return MakeError("path conflict: /" + *path +
                         " is a directory of other entries");
      }
      return MakeError("duplicate path /" + *path);
    }
    it->second = std::move(node);
    return Status::Ok();
  }
  nodes_.emplace(*path, std::move(node));
  return Status::Ok();
}

Status LayerTree::AddFileFromHost(std::string_view image_path,
                                  std::string source_path, std::uint32_t mode,
                                  std::uint32_t uid, std::uint32_t gid) {
  LayerNode node;
  node.entry = TarEntry{"", TarEntryType::kFile, mode, uid, gid, 0, ""};
  node.source_path = std::move(source_path);
  return Insert(image_path, std::move(node));
}

Status LayerTree::AddFileContent(std::string_view image_path,
                                 std::string content, std::uint32_t mode,
                                 std::uint32_t uid, std::uint32_t gid) {
  LayerNode node;
  node.entry =
      TarEntry{"", TarEntryType::kFile, mode, uid, gid, content.size(), ""};
  node.content = std::move(content);
  return Insert(image_path, std::move(node));
}

Status LayerTree::AddDirectory(std::string_view image_path, std::uint32_t mode,
                               std::uint32_t uid, std::uint32_t gid) {
  LayerNode node;
  node.entry = TarEntry{"", TarEntryType::kDirectory, mode, uid, gid, 0, ""};
  return Insert(image_path, std::move(node));
}

Status LayerTree::AddSymlink(std::string_view image_path, std::string target) {
  if (target.empty()) return MakeError("symlink target is empty");
  LayerNode node;
  node.entry =
      TarEntry{"", TarEntryType::kSymlink, 0777, 0, 0, 0, std::move(target)};
  return Insert(image_path, std::move(node));
}

Status LayerTree::AddBaseFiles() {
  for (Status s : {AddDirectory("/etc", 0755),
                   AddFileContent("/etc/passwd", std::string(kPasswd), 0644),
                   AddFileContent("/etc/group", std::string(kGroup), 0644),
                   AddDirectory("/home", 0755),
                   AddDirectory("/home/nonroot", 0700, kNonroot, kNonroot),
                   AddDirectory("/tmp", 01777)}) {
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

std::vector<LayerNode> LayerTree::Sorted() const {
  // std::map orders keys byte-wise; a parent is a strict prefix of its
  // children and therefore sorts first.
  std::vector<LayerNode> out;
  out.reserve(nodes_.size());
  for (const auto& [path, node] : nodes_) out.push_back(node);
  return out;
}

}  // namespace staticship::release
