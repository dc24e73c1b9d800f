// The JSON documents of an image, serialized once with a fixed key order so
// the same settings always give the same bytes (and so the same digests):
// the OCI image config, the OCI image manifest, and docker-archive's
// manifest.json.
#ifndef STATICSHIP_RELEASE_IMAGE_IMAGE_JSON_H_
#define STATICSHIP_RELEASE_IMAGE_IMAGE_JSON_H_

#include <map>
#include <string>
#include <vector>

#include "release/common/oci_layout.h"

namespace staticship::release {

struct ImageConfig {
  std::string created = "1970-01-01T00:00:00Z";
  std::string architecture;  // GOARCH style: amd64, arm64
  std::string os = "linux";
  std::string variant;  // e.g. v8 for arm64; empty to omit
  std::string user = "65532:65532";
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::vector<std::string> env;  // "KEY=value", in the given order
  std::string working_dir;
  std::vector<std::string> exposed_ports;  // "8080/tcp"
  std::map<std::string, std::string> labels;
  std::string history_created_by = "staticship";
};

// The config blob (application/vnd.oci.image.config.v1+json).
std::string ImageConfigJson(const ImageConfig& config,
                            const std::vector<std::string>& diff_ids);

// The manifest blob (application/vnd.oci.image.manifest.v1+json).
std::string ImageManifestJson(
    const Descriptor& config, const std::vector<Descriptor>& layers,
    const std::map<std::string, std::string>& annotations);

// docker-archive manifest.json: [{"Config":…,"RepoTags":[…],"Layers":[…]}].
std::string DockerManifestJson(const std::string& config_file,
                               const std::vector<std::string>& repo_tags,
                               const std::vector<std::string>& layer_files);

}  // namespace staticship::release

#endif  // STATICSHIP_RELEASE_IMAGE_IMAGE_JSON_H_
