#include "release/deploy/runtime_spec.h"

#include <nlohmann/json.hpp>

namespace staticship::deploy {
namespace {

using json = nlohmann::ordered_json;

std::vector<std::string> StringArray(const nlohmann::json& value) {
  std::vector<std::string> out;
  if (!value.is_array()) return out;
  for (const auto& item : value) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

}  // namespace

std::vector<std::string> MergeEnv(
    const std::vector<std::string>& image_env,
    const std::vector<std::pair<std::string, std::string>>& overrides) {
  std::vector<std::string> env;
  auto key_of = [](const std::string& entry) {
    return entry.substr(0, entry.find('='));
  };
  for (const std::string& entry : image_env) {
    if (key_of(entry) != "PORT") env.push_back(entry);
  }
  for (const auto& [key, value] : overrides) {
    std::erase_if(env, [&](const std::string& e) { return key_of(e) == key; });
    env.push_back(key + "=" + value);
  }
  return env;
}

Result<ImageConfig> ParseImageConfig(std::string_view text) {
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return MakeError("image config is not a JSON object");
  }
  ImageConfig image;
  image.architecture = doc.value("architecture", "");
  image.os = doc.value("os", "");
  if (doc.contains("rootfs") && doc["rootfs"].is_object()) {
    image.diff_ids =
        StringArray(doc["rootfs"].value("diff_ids", nlohmann::json::array()));
  }
  if (doc.contains("config") && doc["config"].is_object()) {
    const nlohmann::json& config = doc["config"];
    image.entrypoint =
        StringArray(config.value("Entrypoint", nlohmann::json::array()));
    image.cmd = StringArray(config.value("Cmd", nlohmann::json::array()));
    image.env = StringArray(config.value("Env", nlohmann::json::array()));
    image.working_dir = config.value("WorkingDir", "");
    image.user = config.value("User", "");
  }
  return image;
}

Result<std::string> MakeRuntimeSpec(const ImageConfig& image,
                                    const SpecOptions& options) {
  const ContainerSettings& settings = options.settings;
  std::vector<std::string> args = image.entrypoint;
  args.insert(args.end(), image.cmd.begin(), image.cmd.end());
  if (args.empty())
    return MakeError("the image has neither Entrypoint nor Cmd");
  args.insert(args.end(), settings.args.begin(), settings.args.end());
  if (options.port <= 0 || options.port > 65535)
    return MakeError("invalid port");

  std::vector<std::string> env = MergeEnv(image.env, settings.env);
  env.push_back("PORT=" + std::to_string(options.port));
  bool has_path = false;
  for (const std::string& entry : env) has_path |= entry.starts_with("PATH=");
  if (!has_path) env.push_back("PATH=/usr/local/bin:/usr/bin:/bin");

  const json no_caps = json::array();
  json spec;
  spec["ociVersion"] = "1.0.2";
  spec["process"] = {
      {"terminal", false},
      {"user",
       {{"uid", kNonrootId},
        {"gid", kNonrootId},
        {"additionalGids", json::array({kNonrootId})}}},
      {"args", args},
      {"env", env},
      {"cwd", image.working_dir.empty() ? "/" : image.working_dir},
      {"capabilities",
       {{"bounding", no_caps},
        {"effective", no_caps},
        {"inheritable", no_caps},
        {"permitted", no_caps},
        {"ambient", no_caps}}},
      {"noNewPrivileges", true}};
  spec["root"] = {{"path", "rootfs"}, {"readonly", true}};
  spec["hostname"] = options.hostname;
  spec["mounts"] = json::array({
      {{"destination", "/proc"},
       {"type", "proc"},
       {"source", "proc"},
       {"options", {"nosuid", "noexec", "nodev"}}},
      {{"destination", "/dev"},
       {"type", "tmpfs"},
       {"source", "tmpfs"},
       {"options", {"nosuid", "strictatime", "mode=755", "size=65536k"}}},
      {{"destination", "/dev/pts"},
       {"type", "devpts"},
       {"source", "devpts"},
       {"options",
        {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}}},
      {{"destination", "/dev/shm"},
       {"type", "tmpfs"},
       {"source", "shm"},
       {"options", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}}},
      {{"destination", "/dev/mqueue"},
       {"type", "mqueue"},
       {"source", "mqueue"},
       {"options", {"nosuid", "noexec", "nodev"}}},
      {{"destination", "/sys"},
       {"type", "sysfs"},
       {"source", "sysfs"},
       {"options", {"nosuid", "noexec", "nodev", "ro"}}},
      {{"destination", "/tmp"},
       {"type", "tmpfs"},
       {"source", "tmpfs"},
       {"options", {"nosuid", "nodev", "mode=1777", "size=65536k"}}},
  });
  auto bind = [&spec](const std::string& source, const std::string& destination,
                      bool read_only) {
    spec["mounts"].push_back(
        {{"destination", destination},
         {"type", "bind"},
         {"source", source},
         {"options",
          {"rbind", read_only ? "ro" : "rw", "nosuid", "nodev", "noexec"}}});
  };
  for (const BindMount& mount : settings.mounts) {
    bind(mount.source, mount.destination, mount.read_only);
  }
  for (const VolumeMount& volume : settings.volumes) {
    auto path = options.volume_paths.find(volume.name);
    if (path == options.volume_paths.end())
      return MakeError("volume " + volume.name + " has no host directory");
    bind(path->second, volume.destination, false);
  }
  json resources = {
      {"devices", json::array({{{"allow", false}, {"access", "rwm"}}})}};
  if (settings.memory_bytes) {
    resources["memory"] = {{"limit", *settings.memory_bytes}};
  }
  if (settings.millicpus) {
    // quota/period = CPUs; 100 ms is the kernel's and docker's period.
    constexpr std::int64_t kPeriodUs = 100000;
    resources["cpu"] = {{"quota", *settings.millicpus * kPeriodUs / 1000},
                        {"period", kPeriodUs}};
  }
  spec["linux"] = {
      {"resources", resources},
      // No "network" entry: the host network namespace, see the header.
      {"namespaces", json::array({{{"type", "pid"}},
                                  {{"type", "ipc"}},
                                  {{"type", "uts"}},
                                  {{"type", "mount"}}})},
      {"maskedPaths",
       {"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
        "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
        "/proc/sched_debug", "/proc/scsi", "/sys/firmware"}},
      {"readonlyPaths",
       {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
        "/proc/sysrq-trigger"}}};
  return spec.dump(2) + "\n";
}

}  // namespace staticship::deploy
