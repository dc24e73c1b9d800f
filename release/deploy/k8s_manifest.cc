#include "release/deploy/k8s_manifest.h"

#include <cctype>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "common/base/base64.h"
#include "common/base/file.h"
#include "release/deploy/deploy_options.h"
#include "release/deploy/yaml_writer.h"

namespace staticship::deploy {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

// Kubernetes' own limit on a ConfigMap's data.
constexpr size_t kMaxConfigMapBytes = 1 << 20;

bool IsDnsLabel(std::string_view name, bool letter_first) {
  if (name.empty() || name.size() > 63 || name.back() == '-') return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter = c >= 'a' && c <= 'z';
    const bool digit = c >= '0' && c <= '9';
    if (i == 0 && !(letter || (digit && !letter_first))) return false;
    if (!letter && !digit && c != '-') return false;
  }
  return true;
}

bool IsUtf8(std::string_view text) {
  try {
    (void)json(std::string(text)).dump();
    return true;
  } catch (const json::exception&) {
    return false;
  }
}

// A ConfigMap key from the file's name, made unique.
std::string ConfigKey(const std::string& source, std::set<std::string>& used) {
  std::string base = fs::path(source).filename().string();
  for (char& c : base) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-' ||
                    c == '_' || c == '.';
    if (!ok) c = '_';
  }
  std::string key = base;
  for (int n = 2; used.contains(key); ++n) key = std::to_string(n) + "-" + base;
  used.insert(key);
  return key;
}

json Labels(const std::string& name) {
  return {{"app.kubernetes.io/name", name},
          {"app.kubernetes.io/managed-by", "shipctl"}};
}

json Metadata(const std::string& object_name, const std::string& app) {
  return {{"name", object_name}, {"labels", Labels(app)}};
}

}  // namespace

Status ReadMountedFiles(ManifestInput& input) {
  for (const BindMount& mount : input.settings.mounts) {
    if (!mount.read_only) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "--mount " + mount.source + ":" + mount.destination +
                           " is writable: a host path has no portable "
                           "Kubernetes form; use --volume for data, or :ro "
                           "for a config file (a ConfigMap)");
    }
    std::error_code ec;
    if (fs::is_directory(mount.source, ec)) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "--mount " + mount.source +
                           " is a directory: mount its files one by one so "
                           "each becomes a ConfigMap entry");
    }
    Result<std::string> text = ReadWholeFile(mount.source);
    if (!text.ok()) return text.error();
    input.files[mount.source] = std::move(text.value());
  }
  return Status::Ok();
}

Result<std::string> MakeK8sManifest(const ManifestInput& input) {
  const std::string& name = input.name;
  // Services need a DNS-1035 label; "-config" must still fit in 63.
  if (!IsDnsLabel(name, true) || name.size() > 56) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "--name '" + name +
                         "' is not a Kubernetes name: a-z first, then a-z, "
                         "0-9 or -, at most 56 characters");
  }
  if (input.port <= 0 || input.port > 65535)
    return MakeError(ErrorCode::kInvalidArgument, "invalid --port");
  if (input.image.find("@sha256:") == std::string::npos) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "the image must be pinned by digest (REF@sha256:...)");
  }
  const ContainerSettings& s = input.settings;
  std::vector<json> documents;

  json mounts = json::array({{{"name", "tmp"}, {"mountPath", "/tmp"}}});
  json volumes = json::array(
      {{{"name", "tmp"},
        {"emptyDir", {{"medium", "Memory"}, {"sizeLimit", "64Mi"}}}}});

  if (!s.mounts.empty()) {
    json data = json::object();
    json binary = json::object();
    std::set<std::string> keys;
    size_t total = 0;
    for (const BindMount& mount : s.mounts) {
      auto file = input.files.find(mount.source);
      if (file == input.files.end())
        return MakeError("no contents read for " + mount.source);
      const std::string key = ConfigKey(mount.source, keys);
      total += file->second.size();
      if (IsUtf8(file->second)) {
        data[key] = file->second;
      } else {
        binary[key] = Base64Encode(file->second);
      }
      mounts.push_back({{"name", "config"},
                        {"mountPath", mount.destination},
                        {"subPath", key},
                        {"readOnly", true}});
    }
    if (total > kMaxConfigMapBytes) {
      return MakeError(ErrorCode::kOutOfRange,
                       "the mounted files add up to " + std::to_string(total) +
                           " bytes, more than a ConfigMap's 1 MiB");
    }
    json config_map = {{"apiVersion", "v1"},
                       {"kind", "ConfigMap"},
                       {"metadata", Metadata(name + "-config", name)}};
    if (!data.empty()) config_map["data"] = data;
    if (!binary.empty()) config_map["binaryData"] = binary;
    documents.push_back(config_map);
    volumes.push_back(
        {{"name", "config"}, {"configMap", {{"name", name + "-config"}}}});
  }

  std::set<std::string> claimed;
  for (const VolumeMount& volume : s.volumes) {
    if (!IsDnsLabel(volume.name, false)) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "volume name '" + volume.name +
                           "' is not a Kubernetes name (a-z, 0-9 and - only)");
    }
    mounts.push_back(
        {{"name", "vol-" + volume.name}, {"mountPath", volume.destination}});
    if (!claimed.insert(volume.name).second) continue;
    const std::string claim = name + "-" + volume.name;
    documents.push_back(
        {{"apiVersion", "v1"},
         {"kind", "PersistentVolumeClaim"},
         {"metadata", Metadata(claim, name)},
         {"spec",
          {{"accessModes", {"ReadWriteOnce"}},
           {"resources", {{"requests", {{"storage", "1Gi"}}}}}}}});
    volumes.push_back({{"name", "vol-" + volume.name},
                       {"persistentVolumeClaim", {{"claimName", claim}}}});
  }

  json container = {{"name", name},
                    {"image", input.image},
                    {"imagePullPolicy", "IfNotPresent"}};
  if (!s.args.empty()) {
    // Kubernetes' args replace the image's Cmd (Entrypoint stays), so the
    // Cmd is repeated to have the extra arguments appended to it.
    json args = input.image_config.cmd;
    for (const std::string& arg : s.args) args.push_back(arg);
    container["args"] = args;
  }
  // The container's env is added to the image's, as in the runc spec.
  json env = json::array();
  std::vector<std::string> merged = MergeEnv({}, s.env);
  for (const std::string& entry : merged) {
    const size_t equals = entry.find('=');
    env.push_back({{"name", entry.substr(0, equals)},
                   {"value", entry.substr(equals + 1)}});
  }
  env.push_back({{"name", "PORT"}, {"value", std::to_string(input.port)}});
  container["env"] = env;
  container["ports"] = json::array(
      {{{"name", "http"}, {"containerPort", input.port}, {"protocol", "TCP"}}});
  const json probe = {
      {"httpGet", {{"path", input.health_path}, {"port", "http"}}},
      {"periodSeconds", 10},
      {"timeoutSeconds", 1},
      {"failureThreshold", 3}};
  container["livenessProbe"] = probe;
  container["readinessProbe"] = probe;
  if (s.memory_bytes || s.millicpus) {
    json amounts = json::object();
    if (s.memory_bytes) amounts["memory"] = MemoryQuantity(*s.memory_bytes);
    if (s.millicpus) amounts["cpu"] = CpuQuantity(*s.millicpus);
    container["resources"] = {{"requests", amounts}, {"limits", amounts}};
  }
  container["securityContext"] = {
      {"runAsNonRoot", true},
      {"runAsUser", kNonrootId},
      {"runAsGroup", kNonrootId},
      {"readOnlyRootFilesystem", true},
      {"allowPrivilegeEscalation", false},
      {"capabilities", {{"drop", {"ALL"}}}},
      {"seccompProfile", {{"type", "RuntimeDefault"}}}};
  container["volumeMounts"] = mounts;

  json pod_spec = {
      {"automountServiceAccountToken", false},
      {"securityContext",
       {{"runAsNonRoot", true},
        {"runAsUser", kNonrootId},
        {"runAsGroup", kNonrootId},
        // Volumes are made group-writable for 65532, as deploy chowns them.
        {"fsGroup", kNonrootId},
        {"seccompProfile", {{"type", "RuntimeDefault"}}}}},
      {"containers", json::array({container})},
      {"volumes", volumes}};
  json deployment_spec = {
      {"replicas", 1},
      {"selector", {{"matchLabels", {{"app.kubernetes.io/name", name}}}}}};
  if (!s.volumes.empty()) deployment_spec["strategy"] = {{"type", "Recreate"}};
  deployment_spec["template"] = {{"metadata", {{"labels", Labels(name)}}},
                                 {"spec", pod_spec}};
  documents.push_back({{"apiVersion", "apps/v1"},
                       {"kind", "Deployment"},
                       {"metadata", Metadata(name, name)},
                       {"spec", deployment_spec}});
  documents.push_back({{"apiVersion", "v1"},
                       {"kind", "Service"},
                       {"metadata", Metadata(name, name)},
                       {"spec",
                        {{"type", "ClusterIP"},
                         {"selector", {{"app.kubernetes.io/name", name}}},
                         {"ports", json::array({{{"name", "http"},
                                                 {"port", input.port},
                                                 {"targetPort", "http"},
                                                 {"protocol", "TCP"}}})}}}});

  std::string out;
  for (const json& document : documents) out += "---\n" + ToYaml(document);
  return out;
}

}  // namespace staticship::deploy
