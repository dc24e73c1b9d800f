// Read/write access to an OCI image layout directory (image-spec layout.md):
//
//   <root>/oci-layout          {"imageLayoutVersion":"1.0.0"}
//   <root>/index.json          an image index over the layout's manifests
//   <root>/blobs/sha256/<hex>  content-addressed blobs
//
// Blobs are written to a temporary name and renamed into place, so a reader
// never sees a half-written blob; every read verifies the digest, so a
// corrupted layout is an error rather than a bad push or a bad deploy.
#ifndef STATICSHIP_RELEASE_COMMON_OCI_LAYOUT_H_
#define STATICSHIP_RELEASE_COMMON_OCI_LAYOUT_H_

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"

namespace staticship::release {

inline constexpr std::string_view kMediaTypeImageIndex =
    "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kMediaTypeImageManifest =
    "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kMediaTypeImageConfig =
    "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view kMediaTypeLayerGzip =
    "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr std::string_view kAnnotationRefName =
    "org.opencontainers.image.ref.name";

struct Platform {
  std::string os;            // "linux"
  std::string architecture;  // "amd64", "arm64"
  std::string variant;       // "v8" or empty
  bool operator==(const Platform&) const = default;
};

// An OCI content descriptor (descriptor.md), the fields we use.
struct Descriptor {
  std::string media_type;
  std::string digest;  // "sha256:<hex>"
  std::int64_t size = 0;
  std::optional<Platform> platform;
  std::map<std::string, std::string> annotations;  // sorted: stable JSON
  bool operator==(const Descriptor&) const = default;
};

struct ImageIndex {
  std::vector<Descriptor> manifests;
  std::map<std::string, std::string> annotations;
  std::string raw;  // the exact bytes of index.json as read
};

class OciLayout {
 public:
  // Makes <root>, <root>/blobs/sha256 and <root>/oci-layout (root may exist).
  static Result<OciLayout> Create(const std::filesystem::path& root);
  // Opens an existing layout; fails unless oci-layout says version 1.0.0.
  static Result<OciLayout> Open(const std::filesystem::path& root);

  const std::filesystem::path& root() const { return root_; }
  // <root>/blobs/sha256/<hex>; the digest must satisfy IsSha256Digest().
  std::filesystem::path BlobPath(std::string_view digest) const;
  bool HasBlob(std::string_view digest) const;

  // Stores bytes as a blob; returns its digest and size (media type and
  // annotations are for the caller to fill). Idempotent.
  Result<Descriptor> WriteBlob(std::string_view bytes,
                               std::string_view media_type = "");
  // Moves an already written file (e.g. a layer hashed while compressing)
  // into the blob store under its known digest. The caller vouches for the
  // digest; ReadBlob()/VerifyBlob() will catch a lie.
  Status AdoptBlobFile(const std::filesystem::path& file,
                       std::string_view digest);

  // Reads a blob and checks its sha256 (and size when expected_size >= 0).
  Result<std::string> ReadBlob(std::string_view digest,
                               std::int64_t expected_size = -1) const;
  // Streams the blob through sha256 without holding it in memory.
  Status VerifyBlob(std::string_view digest,
                    std::int64_t expected_size = -1) const;

  Result<ImageIndex> ReadIndex() const;
  // Writes index.json from the descriptors (fixed key order, no whitespace).
  Status WriteIndex(const std::vector<Descriptor>& manifests);
  // Writes index.json verbatim (for callers that serialized it themselves).
  Status WriteIndexBytes(std::string_view bytes);

 private:
  explicit OciLayout(std::filesystem::path root) : root_(std::move(root)) {}
  std::filesystem::path root_;
};

// Serializes a descriptor / an index the way all our tools do: keys in the
// order of the spec's examples, compact, so equal input gives equal bytes.
std::string SerializeDescriptor(const Descriptor& descriptor);
std::string SerializeImageIndex(
    const std::vector<Descriptor>& manifests,
    const std::map<std::string, std::string>& annotations = {});
// Parses one descriptor object / an image index document.
Result<Descriptor> ParseDescriptor(std::string_view json);
Result<ImageIndex> ParseImageIndex(std::string_view json);

}  // namespace staticship::release

#endif  // STATICSHIP_RELEASE_COMMON_OCI_LAYOUT_H_
