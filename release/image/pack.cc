#include "release/image/pack.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <regex>

#include "common/archive/tar_writer.h"
#include "release/common/sha256.h"

namespace staticship::release {
namespace {

namespace fs = std::filesystem;
using archive::EncodeTarHeader;
using archive::TarEntry;
using archive::TarEntryType;
using archive::TarPaddingSize;
using archive::TarTrailer;

// Appends a host file's bytes to `out`, checking that the size did not move.
Status AppendHostFile(const std::string& path, std::uint64_t* size,
                      std::string& out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return MakeError("cannot read input file " + path + ": " +
                     std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return MakeError("input is not a regular file: " + path);
  }
  const std::size_t start = out.size();
  out.resize(start + static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  while (done < static_cast<std::size_t>(st.st_size)) {
    const ssize_t n = ::read(fd, out.data() + start + done,
                             static_cast<std::size_t>(st.st_size) - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = n < 0 ? std::strerror(errno) : "file shrank";
      ::close(fd);
      return MakeError("cannot read input file " + path + ": " + why);
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  *size = done;
  return Status::Ok();
}

Result<std::string> BuildLayerTar(const LayerTree& tree, std::int64_t mtime) {
  std::string out;
  for (const LayerNode& node : tree.Sorted()) {
    TarEntry entry = node.entry;
    if (entry.type != TarEntryType::kFile) {
      out += EncodeTarHeader(entry, mtime);
      continue;
    }
    if (node.source_path.empty()) {
      entry.size = node.content.size();
      out += EncodeTarHeader(entry, mtime);
      out += node.content;
    } else {
      // The header needs the size: stat first, then read into place.
      struct stat st {};
      if (::stat(node.source_path.c_str(), &st) != 0) {
        return MakeError("cannot read input file " + node.source_path + ": " +
                         std::strerror(errno));
      }
      entry.size = static_cast<std::uint64_t>(st.st_size);
      const std::size_t header_at = out.size();
      out += EncodeTarHeader(entry, mtime);
      std::uint64_t read = 0;
      if (Status s = AppendHostFile(node.source_path, &read, out); !s.ok()) {
        return s.error();
      }
      if (read != entry.size) {
        // Changed between stat and read: re-encode with the real size.
        entry.size = read;
        const std::string header = EncodeTarHeader(entry, mtime);
        const std::size_t old_header = out.size() - read - header_at;
        out.replace(header_at, old_header, header);
      }
    }
    out.append(TarPaddingSize(entry.size), '\0');
  }
  out.append(TarTrailer());
  return out;
}

void AppendTarMember(std::string& out, const std::string& name,
                     std::string_view bytes, std::int64_t mtime) {
  out += EncodeTarHeader(
      TarEntry{name, TarEntryType::kFile, 0644, 0, 0, bytes.size(), ""}, mtime);
  out += bytes;
  out.append(TarPaddingSize(bytes.size()), '\0');
}

Status WriteAll(int fd, std::string_view bytes, const std::string& name) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return MakeError("cannot write " + name + ": " + std::strerror(errno));
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return Status::Ok();
}

}  // namespace

bool IsValidTag(const std::string& tag) {
  static const std::regex kTag("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");
  return std::regex_match(tag, kTag);
}

bool IsValidRepository(const std::string& repository) {
  static const std::regex kRepository(
      "[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(/"
      "[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)*");
  return repository.size() <= 255 && std::regex_match(repository, kRepository);
}

StagedOutputs::~StagedOutputs() {
  if (committed_) return;
  for (const Item& item : items_) {
    std::error_code ec;
    fs::remove_all(item.temp, ec);
  }
}

Result<std::string> StagedOutputs::StageFile(const std::string& final_path,
                                             std::string_view bytes) {
  std::string temp = final_path + ".tmp-XXXXXX";
  const int fd = ::mkstemp(temp.data());
  if (fd < 0) {
    return MakeError("cannot create output next to " + final_path + ": " +
                     std::strerror(errno));
  }
  items_.push_back({temp, final_path});
  Status written = WriteAll(fd, bytes, final_path);
  const bool chmod_ok = ::fchmod(fd, 0644) == 0;
  if (::close(fd) != 0 || !chmod_ok) {
    return MakeError("cannot finish " + final_path + ": " +
                     std::strerror(errno));
  }
  if (!written.ok()) return written.error();
  return temp;
}

Result<std::string> StagedOutputs::StageDirectory(
    const std::string& final_path) {
  std::string temp = final_path + ".tmp-XXXXXX";
  if (::mkdtemp(temp.data()) == nullptr) {
    return MakeError("cannot create output directory next to " + final_path +
                     ": " + std::strerror(errno));
  }
  items_.push_back({temp, final_path});
  // mkdtemp makes 0700; a layout is meant to be readable like any output.
  if (::chmod(temp.c_str(), 0755) != 0) {
    return MakeError("cannot chmod " + temp + ": " + std::strerror(errno));
  }
  return temp;
}

Status StagedOutputs::Commit() {
  for (const Item& item : items_) {
    std::error_code ec;
    // A directory output (e.g. one Bazel pre-created) is replaced wholesale.
    if (fs::is_directory(item.final_path, ec) &&
        !fs::is_symlink(item.final_path, ec)) {
      fs::remove_all(item.final_path, ec);
    }
    if (::rename(item.temp.c_str(), item.final_path.c_str()) != 0) {
      return MakeError("cannot rename output to " + item.final_path + ": " +
                       std::strerror(errno));
    }
  }
  committed_ = true;
  return Status::Ok();
}

Result<PackResult> Pack(const PackRequest& request, StagedOutputs& staged) {
  if (!IsValidTag(request.tag)) {
    return MakeError("invalid tag '" + request.tag +
                     "': must match [A-Za-z0-9_][A-Za-z0-9._-]{0,127}");
  }
  if (!IsValidRepository(request.repository)) {
    return MakeError("invalid repository '" + request.repository +
                     "': lowercase letters, digits and separators . _ - /");
  }
  if (request.config.architecture.empty()) {
    return MakeError("no architecture given");
  }

  PackResult result;
  result.entries = request.tree.size();
  auto tar = BuildLayerTar(request.tree, request.mtime);
  if (!tar.ok()) return tar.error();
  result.uncompressed_size = tar->size();

  auto gz = GzipParallel(*tar, request.gzip);
  if (!gz.ok()) return gz.error();
  std::string().swap(*tar);
  result.diff_id = gz->uncompressed_digest;
  result.layer = Descriptor{std::string(kMediaTypeLayerGzip),
                            gz->compressed_digest,
                            static_cast<std::int64_t>(gz->compressed.size()),
                            std::nullopt,
                            {}};

  const std::string config_json =
      ImageConfigJson(request.config, {result.diff_id});
  result.config = Descriptor{std::string(kMediaTypeImageConfig),
                             Sha256Digest(config_json),
                             static_cast<std::int64_t>(config_json.size()),
                             std::nullopt,
                             {}};
  const std::string manifest_json =
      ImageManifestJson(result.config, {result.layer}, request.annotations);
  result.manifest =
      Descriptor{std::string(kMediaTypeImageManifest),
                 Sha256Digest(manifest_json),
                 static_cast<std::int64_t>(manifest_json.size()),
                 Platform{request.config.os, request.config.architecture,
                          request.config.variant},
                 {{std::string(kAnnotationRefName), request.tag}}};

  if (!request.out_layout.empty()) {
    auto dir = staged.StageDirectory(request.out_layout);
    if (!dir.ok()) return dir.error();
    auto layout = OciLayout::Create(*dir);
    if (!layout.ok()) return layout.error();
    for (std::string_view blob :
         {std::string_view(gz->compressed), std::string_view(config_json),
          std::string_view(manifest_json)}) {
      if (auto d = layout->WriteBlob(blob); !d.ok()) return d.error();
    }
    if (Status s = layout->WriteIndex({result.manifest}); !s.ok()) {
      return s.error();
    }
  }

  if (!request.out_tar.empty()) {
    const std::string config_file =
        std::string(DigestHex(result.config.digest)) + ".json";
    const std::string layer_file =
        std::string(DigestHex(result.layer.digest)) + ".tar.gz";
    const std::string docker_manifest = DockerManifestJson(
        config_file, {request.repository + ":" + request.tag}, {layer_file});
    std::string archive;
    archive.reserve(gz->compressed.size() + 8192);
    AppendTarMember(archive, layer_file, gz->compressed, request.mtime);
    AppendTarMember(archive, config_file, config_json, request.mtime);
    AppendTarMember(archive, "manifest.json", docker_manifest, request.mtime);
    archive.append(TarTrailer());
    if (auto t = staged.StageFile(request.out_tar, archive); !t.ok()) {
      return t.error();
    }
  }

  if (!request.out_digest.empty()) {
    if (auto t =
            staged.StageFile(request.out_digest, result.manifest.digest + "\n");
        !t.ok()) {
      return t.error();
    }
  }
  return result;
}

}  // namespace staticship::release
