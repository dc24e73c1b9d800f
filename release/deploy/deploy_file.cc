#include "release/deploy/deploy_file.h"

#include <yaml-cpp/yaml.h>

#include <functional>
#include <set>

#include "common/base/file.h"
#include "release/deploy/deploy_options.h"

namespace staticship::deploy {
namespace {

namespace fs = std::filesystem;

// A scalar as written (numbers and booleans included), or an error naming
// where it is expected.
Result<std::string> Scalar(const YAML::Node& node, const std::string& where) {
  if (!node.IsScalar()) return MakeError(where + ": expected a plain value");
  return node.Scalar();
}

Status ReadList(const YAML::Node& node, const std::string& field,
                const std::function<Status(const std::string&)>& each) {
  if (!node.IsSequence()) return MakeError(field + ": expected a list");
  for (size_t i = 0; i < node.size(); ++i) {
    const std::string where = field + "[" + std::to_string(i) + "]";
    Result<std::string> text = Scalar(node[i], where);
    if (!text.ok()) return text.error();
    if (Status s = each(*text); !s.ok()) return WithContext(s.error(), where);
  }
  return Status::Ok();
}

Result<ContainerSettings> ParseRoot(const YAML::Node& root,
                                    const fs::path& base) {
  ContainerSettings settings;
  if (root.IsNull()) return settings;  // an empty file sets nothing
  if (!root.IsMap()) return MakeError("expected a mapping of fields");
  static const std::set<std::string> kFields = {"mounts", "volumes", "env",
                                                "args",   "memory",  "cpus"};
  for (const auto& entry : root) {
    const std::string key = entry.first.as<std::string>();
    if (!kFields.contains(key)) {
      return MakeError("unknown field '" + key +
                       "' (known: mounts, volumes, env, args, memory, cpus)");
    }
  }
  if (const YAML::Node node = root["mounts"]) {
    Status s = ReadList(node, "mounts", [&](const std::string& text) -> Status {
      Result<BindMount> mount = ParseMount(text, base);
      if (!mount.ok()) return mount.error();
      settings.mounts.push_back(*mount);
      return Status::Ok();
    });
    if (!s.ok()) return s.error();
  }
  if (const YAML::Node node = root["volumes"]) {
    Status s =
        ReadList(node, "volumes", [&](const std::string& text) -> Status {
          Result<VolumeMount> volume = ParseVolume(text);
          if (!volume.ok()) return volume.error();
          settings.volumes.push_back(*volume);
          return Status::Ok();
        });
    if (!s.ok()) return s.error();
  }
  if (const YAML::Node node = root["args"]) {
    Status s = ReadList(node, "args", [&](const std::string& text) -> Status {
      settings.args.push_back(text);
      return Status::Ok();
    });
    if (!s.ok()) return s.error();
  }
  if (const YAML::Node node = root["env"]) {
    if (!node.IsMap()) return MakeError("env: expected a mapping KEY: VALUE");
    for (const auto& entry : node) {
      const std::string key = entry.first.as<std::string>();
      Result<std::string> value = Scalar(entry.second, "env." + key);
      if (!value.ok()) return value.error();
      Result<std::pair<std::string, std::string>> parsed =
          ParseEnv(key + "=" + *value);
      if (!parsed.ok()) return WithContext(parsed.error(), "env." + key);
      settings.env.push_back(*parsed);
    }
  }
  if (const YAML::Node node = root["memory"]) {
    Result<std::string> text = Scalar(node, "memory");
    if (!text.ok()) return text.error();
    Result<std::int64_t> bytes = ParseMemory(*text);
    if (!bytes.ok()) return WithContext(bytes.error(), "memory");
    settings.memory_bytes = *bytes;
  }
  if (const YAML::Node node = root["cpus"]) {
    Result<std::string> text = Scalar(node, "cpus");
    if (!text.ok()) return text.error();
    Result<std::int64_t> millicpus = ParseMillicpus(*text);
    if (!millicpus.ok()) return WithContext(millicpus.error(), "cpus");
    settings.millicpus = *millicpus;
  }
  return settings;
}

}  // namespace

Result<ContainerSettings> ParseDeployFile(std::string_view text,
                                          const std::string& name,
                                          const fs::path& base) {
  try {
    Result<ContainerSettings> settings =
        ParseRoot(YAML::Load(std::string(text)), base);
    if (!settings.ok()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       name + ": " + settings.message());
    }
    return settings;
  } catch (const YAML::Exception& e) {
    // yaml-cpp's own "yaml-cpp: error at line L, column C: ..." is one line.
    return MakeError(ErrorCode::kInvalidArgument, name + ": " + e.what());
  }
}

Result<ContainerSettings> LoadDeployFile(const fs::path& path) {
  Result<std::string> text = ReadWholeFile(path);
  if (!text.ok()) return WithContext(text.error(), "--deploy-file");
  std::error_code ec;
  fs::path base = fs::absolute(path, ec).parent_path();
  if (ec) base = path.parent_path();
  return ParseDeployFile(*text, path.string(), base);
}

}  // namespace staticship::deploy
