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
  std::vector<std::string> args = image.entrypoint;
  args.insert(args.end(), image.cmd.begin(), image.cmd.end());
  if (args.empty())
    return MakeError("the image has neither Entrypoint nor Cmd");
  if (options.port <= 0 || options.port > 65535)
    return MakeError("invalid port");

  std::vector<std::string> env;
  for (const std::string& entry : image.env) {
    if (!entry.starts_with("PORT=")) env.push_back(entry);
  }
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
  spec["linux"] = {
      {"resources",
       {{"devices", json::array({{{"allow", false}, {"access", "rwm"}}})}}},
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
