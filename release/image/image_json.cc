#include "release/image/image_json.h"

#include <nlohmann/json.hpp>

namespace staticship::release {
namespace {

using OrderedJson = nlohmann::ordered_json;

OrderedJson StringMap(const std::map<std::string, std::string>& values) {
  OrderedJson j = OrderedJson::object();
  for (const auto& [key, value] : values) j[key] = value;
  return j;
}

OrderedJson Plain(const Descriptor& d) {
  OrderedJson j;
  j["mediaType"] = d.media_type;
  j["digest"] = d.digest;
  j["size"] = d.size;
  if (!d.annotations.empty()) j["annotations"] = StringMap(d.annotations);
  return j;
}

}  // namespace

std::string ImageConfigJson(const ImageConfig& c,
                            const std::vector<std::string>& diff_ids) {
  OrderedJson inner = OrderedJson::object();
  if (!c.user.empty()) inner["User"] = c.user;
  if (!c.exposed_ports.empty()) {
    OrderedJson ports = OrderedJson::object();
    for (const auto& port : c.exposed_ports) {
      ports[port] = OrderedJson::object();
    }
    inner["ExposedPorts"] = std::move(ports);
  }
  if (!c.env.empty()) inner["Env"] = c.env;
  if (!c.entrypoint.empty()) inner["Entrypoint"] = c.entrypoint;
  if (!c.cmd.empty()) inner["Cmd"] = c.cmd;
  if (!c.working_dir.empty()) inner["WorkingDir"] = c.working_dir;
  if (!c.labels.empty()) inner["Labels"] = StringMap(c.labels);

  OrderedJson j;
  j["created"] = c.created;
  j["architecture"] = c.architecture;
  j["os"] = c.os;
  if (!c.variant.empty()) j["variant"] = c.variant;
  j["config"] = std::move(inner);
  OrderedJson rootfs;
  rootfs["type"] = "layers";
  rootfs["diff_ids"] = diff_ids;
  j["rootfs"] = std::move(rootfs);
  OrderedJson history = OrderedJson::array();
  for (std::size_t i = 0; i < diff_ids.size(); ++i) {
    OrderedJson h;
    h["created"] = c.created;
    h["created_by"] = c.history_created_by;
    history.push_back(std::move(h));
  }
  j["history"] = std::move(history);
  return j.dump();
}

std::string ImageManifestJson(
    const Descriptor& config, const std::vector<Descriptor>& layers,
    const std::map<std::string, std::string>& annotations) {
  OrderedJson j;
  j["schemaVersion"] = 2;
  j["mediaType"] = kMediaTypeImageManifest;
  j["config"] = Plain(config);
  OrderedJson list = OrderedJson::array();
  for (const auto& layer : layers) list.push_back(Plain(layer));
  j["layers"] = std::move(list);
  if (!annotations.empty()) j["annotations"] = StringMap(annotations);
  return j.dump();
}

std::string DockerManifestJson(const std::string& config_file,
                               const std::vector<std::string>& repo_tags,
                               const std::vector<std::string>& layer_files) {
  OrderedJson entry;
  entry["Config"] = config_file;
  entry["RepoTags"] = repo_tags;
  entry["Layers"] = layer_files;
  OrderedJson j = OrderedJson::array();
  j.push_back(std::move(entry));
  return j.dump();
}

}  // namespace staticship::release
