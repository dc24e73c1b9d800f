#include "release/common/oci_layout.h"

#include <nlohmann/json.hpp>
#include <system_error>

#include "common/base/file.h"
#include "release/common/sha256.h"

namespace staticship::release {
namespace {

namespace fs = std::filesystem;
using OrderedJson = nlohmann::ordered_json;

constexpr std::string_view kOciLayoutFile = R"({"imageLayoutVersion":"1.0.0"})";

OrderedJson DescriptorToJson(const Descriptor& d) {
  OrderedJson j;
  j["mediaType"] = d.media_type;
  j["digest"] = d.digest;
  j["size"] = d.size;
  if (d.platform) {
    OrderedJson p;
    p["architecture"] = d.platform->architecture;
    p["os"] = d.platform->os;
    if (!d.platform->variant.empty()) p["variant"] = d.platform->variant;
    j["platform"] = std::move(p);
  }
  if (!d.annotations.empty()) {
    OrderedJson a = OrderedJson::object();
    for (const auto& [key, value] : d.annotations) a[key] = value;
    j["annotations"] = std::move(a);
  }
  return j;
}

Result<Descriptor> DescriptorFromJson(const nlohmann::json& j) {
  if (!j.is_object()) return MakeError("descriptor is not a JSON object");
  Descriptor d;
  if (!j.contains("mediaType") || !j["mediaType"].is_string() ||
      !j.contains("digest") || !j["digest"].is_string() ||
      !j.contains("size") || !j["size"].is_number_integer()) {
    return MakeError("descriptor lacks mediaType, digest or size");
  }
  d.media_type = j["mediaType"].get<std::string>();
  d.digest = j["digest"].get<std::string>();
  d.size = j["size"].get<std::int64_t>();
  if (!IsSha256Digest(d.digest)) {
    return MakeError("descriptor digest is not sha256:<64 hex>: " + d.digest);
  }
  if (d.size < 0) return MakeError("descriptor size is negative");
  if (j.contains("platform")) {
    const auto& p = j["platform"];
    if (!p.is_object()) return MakeError("descriptor platform is not object");
    Platform platform;
    platform.os = p.value("os", "");
    platform.architecture = p.value("architecture", "");
    platform.variant = p.value("variant", "");
    d.platform = platform;
  }
  if (j.contains("annotations")) {
    const auto& a = j["annotations"];
    if (!a.is_object()) return MakeError("annotations is not an object");
    for (const auto& [key, value] : a.items()) {
      if (!value.is_string()) return MakeError("annotation is not a string");
      d.annotations[key] = value.get<std::string>();
    }
  }
  return d;
}

}  // namespace

std::string SerializeDescriptor(const Descriptor& descriptor) {
  return DescriptorToJson(descriptor).dump();
}

std::string SerializeImageIndex(
    const std::vector<Descriptor>& manifests,
    const std::map<std::string, std::string>& annotations) {
  OrderedJson j;
  j["schemaVersion"] = 2;
  j["mediaType"] = kMediaTypeImageIndex;
  OrderedJson list = OrderedJson::array();
  for (const auto& m : manifests) list.push_back(DescriptorToJson(m));
  j["manifests"] = std::move(list);
  if (!annotations.empty()) {
    OrderedJson a = OrderedJson::object();
    for (const auto& [key, value] : annotations) a[key] = value;
    j["annotations"] = std::move(a);
  }
  return j.dump();
}

Result<Descriptor> ParseDescriptor(std::string_view json) {
  const auto j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded()) return MakeError("descriptor is not valid JSON");
  return DescriptorFromJson(j);
}

Result<ImageIndex> ParseImageIndex(std::string_view json) {
  const auto j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return MakeError("index is not a JSON object");
  }
  if (j.value("schemaVersion", 0) != 2) {
    return MakeError("index schemaVersion is not 2");
  }
  if (!j.contains("manifests") || !j["manifests"].is_array()) {
    return MakeError("index has no manifests array");
  }
  ImageIndex index;
  for (const auto& m : j["manifests"]) {
    auto d = DescriptorFromJson(m);
    if (!d.ok()) return WithContext(d.error(), "index manifest");
    index.manifests.push_back(std::move(*d));
  }
  if (j.contains("annotations") && j["annotations"].is_object()) {
    for (const auto& [key, value] : j["annotations"].items()) {
      if (value.is_string()) index.annotations[key] = value.get<std::string>();
    }
  }
  index.raw = std::string(json);
  return index;
}

Result<OciLayout> OciLayout::Create(const fs::path& root) {
  std::error_code ec;
  fs::create_directories(root / "blobs" / "sha256", ec);
  if (ec) {
    return MakeError("cannot create layout " + root.string() + ": " +
                     ec.message());
  }
  if (Status s = WriteFileAtomically(root / "oci-layout", kOciLayoutFile);
      !s.ok()) {
    return s.error();
  }
  return OciLayout(root);
}

Result<OciLayout> OciLayout::Open(const fs::path& root) {
  auto marker = ReadWholeFile(root / "oci-layout");
  if (!marker.ok()) return WithContext(marker.error(), "not an OCI layout");
  const auto j = nlohmann::json::parse(*marker, nullptr, false);
  if (j.is_discarded() || !j.is_object() ||
      j.value("imageLayoutVersion", "") != "1.0.0") {
    return MakeError("not an OCI layout (oci-layout is not version 1.0.0): " +
                     root.string());
  }
  return OciLayout(root);
}

fs::path OciLayout::BlobPath(std::string_view digest) const {
  return root_ / "blobs" / "sha256" / std::string(DigestHex(digest));
}

bool OciLayout::HasBlob(std::string_view digest) const {
  std::error_code ec;
  return IsSha256Digest(digest) && fs::is_regular_file(BlobPath(digest), ec);
}

Result<Descriptor> OciLayout::WriteBlob(std::string_view bytes,
                                        std::string_view media_type) {
  Descriptor d;
  d.media_type = std::string(media_type);
  d.digest = Sha256Digest(bytes);
  d.size = static_cast<std::int64_t>(bytes.size());
  if (!HasBlob(d.digest)) {
    if (Status s = WriteFileAtomically(BlobPath(d.digest), bytes); !s.ok()) {
      return s.error();
    }
  }
  return d;
}

Status OciLayout::AdoptBlobFile(const fs::path& file, std::string_view digest) {
  if (!IsSha256Digest(digest)) {
    return MakeError("invalid digest: " + std::string(digest));
  }
  std::error_code ec;
  fs::rename(file, BlobPath(digest), ec);
  if (ec) {
    return MakeError("cannot move " + file.string() +
                     " into layout: " + ec.message());
  }
  return Status::Ok();
}

Result<std::string> OciLayout::ReadBlob(std::string_view digest,
                                        std::int64_t expected_size) const {
  if (!IsSha256Digest(digest)) {
    return MakeError("invalid digest: " + std::string(digest));
  }
  auto bytes = ReadWholeFile(BlobPath(digest));
  if (!bytes.ok()) return bytes.error();
  if (expected_size >= 0 &&
      static_cast<std::int64_t>(bytes->size()) != expected_size) {
    return MakeError("blob " + std::string(digest) + " has size " +
                     std::to_string(bytes->size()) + ", expected " +
                     std::to_string(expected_size));
  }
  if (Sha256Digest(*bytes) != digest) {
    return MakeError("blob " + std::string(digest) +
                     " does not match its digest");
  }
  return bytes;
}

Status OciLayout::VerifyBlob(std::string_view digest,
                             std::int64_t expected_size) const {
  if (!IsSha256Digest(digest)) {
    return MakeError("invalid digest: " + std::string(digest));
  }
  const fs::path path = BlobPath(digest);
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) return MakeError("missing blob " + std::string(digest));
  if (expected_size >= 0 && static_cast<std::int64_t>(size) != expected_size) {
    return MakeError("blob " + std::string(digest) + " has size " +
                     std::to_string(size) + ", expected " +
                     std::to_string(expected_size));
  }
  auto actual = Sha256FileDigest(path);
  if (!actual.ok()) return actual.error();
  if (*actual != digest) {
    return MakeError("blob " + std::string(digest) +
                     " does not match its digest");
  }
  return Status::Ok();
}

Result<ImageIndex> OciLayout::ReadIndex() const {
  auto bytes = ReadWholeFile(root_ / "index.json");
  if (!bytes.ok()) return bytes.error();
  return ParseImageIndex(*bytes);
}

Status OciLayout::WriteIndex(const std::vector<Descriptor>& manifests) {
  return WriteIndexBytes(SerializeImageIndex(manifests));
}

Status OciLayout::WriteIndexBytes(std::string_view bytes) {
  return WriteFileAtomically(root_ / "index.json", bytes);
}

}  // namespace staticship::release
