#include "release/deploy/deploy_options.h"

#include <charconv>
#include <limits>
#include <map>
#include <system_error>

#include "release/deploy/deploy_file.h"

namespace staticship::deploy {
namespace {

namespace fs = std::filesystem;

constexpr std::int64_t kMiB = std::int64_t{1} << 20;
// docker's floor: below it the runtime and a static binary barely start,
// and the kernel's own accounting makes the limit meaningless.
constexpr std::int64_t kMinMemory = 6 * kMiB;
// CFS enforces quotas of at least 1 ms per 100 ms period.
constexpr std::int64_t kMinMillicpus = 10;

bool IsIdentifier(std::string_view key) {
  if (key.empty()) return false;
  for (size_t i = 0; i < key.size(); ++i) {
    const char c = key[i];
    const bool alpha =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

// "a:b:c" -> {"a", "b", "c"}.
std::vector<std::string> SplitColons(std::string_view text) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t colon = text.find(':', start);
    parts.emplace_back(text.substr(start, colon - start));
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  return parts;
}

}  // namespace

std::set<std::string> SettingFlagNames() {
  return {"deploy-file", "mount", "volume", "env", "arg", "memory", "cpus"};
}

bool ValidVolumeName(std::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '-' && c != '_' && c != '.'))) return false;
  }
  return true;
}

Status CheckDestination(std::string_view destination) {
  const std::string shown = "'" + std::string(destination) + "'";
  if (!destination.starts_with("/")) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "destination " + shown + " is not an absolute path");
  }
  if (fs::path(destination).lexically_normal().string() != destination ||
      destination.size() < 2 || destination.ends_with("/")) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "destination " + shown +
                         " is not a normalised path below / (no //, . or "
                         ".., no trailing /)");
  }
  for (std::string_view reserved : {"/proc", "/sys", "/dev", "/tmp"}) {
    if (destination == reserved || (destination.starts_with(reserved) &&
                                    destination[reserved.size()] == '/')) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "destination " + shown + " is inside " +
                           std::string(reserved) +
                           ", which the runtime mounts itself");
    }
  }
  return Status::Ok();
}

Result<BindMount> ParseMount(std::string_view text, const fs::path& base) {
  std::vector<std::string> parts = SplitColons(text);
  BindMount mount;
  if (parts.size() == 3 && (parts[2] == "ro" || parts[2] == "rw")) {
    mount.read_only = parts[2] == "ro";
    parts.pop_back();
  }
  if (parts.size() != 2 || parts[0].empty() || parts[1].empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "mount '" + std::string(text) +
                         "' is not SRC:DST, SRC:DST:ro or SRC:DST:rw");
  }
  if (Status s = CheckDestination(parts[1]); !s.ok()) {
    return WithContext(s.error(), "mount '" + std::string(text) + "'");
  }
  fs::path source(parts[0]);
  if (source.is_relative()) source = base / source;
  mount.source = source.lexically_normal().string();
  mount.destination = parts[1];
  return mount;
}

Result<VolumeMount> ParseVolume(std::string_view text) {
  const std::vector<std::string> parts = SplitColons(text);
  if (parts.size() != 2 || parts[0].empty() || parts[1].empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "volume '" + std::string(text) + "' is not NAME:DST");
  }
  if (!ValidVolumeName(parts[0])) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "volume name '" + parts[0] +
                         "' must be a-z 0-9 - _ . (starting a-z 0-9), at "
                         "most 63 characters");
  }
  if (Status s = CheckDestination(parts[1]); !s.ok()) {
    return WithContext(s.error(), "volume '" + std::string(text) + "'");
  }
  return VolumeMount{parts[0], parts[1]};
}

Result<std::pair<std::string, std::string>> ParseEnv(std::string_view text) {
  const size_t equals = text.find('=');
  const std::string key(text.substr(0, equals));
  if (equals == std::string_view::npos || !IsIdentifier(key)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "env '" + std::string(text) +
                         "' is not KEY=VALUE with KEY a letter or _ then "
                         "letters, digits or _");
  }
  if (key == "PORT") {
    return MakeError(ErrorCode::kInvalidArgument,
                     "env PORT is set from --port; give --port instead");
  }
  return std::pair{key, std::string(text.substr(equals + 1))};
}

Result<std::int64_t> ParseMemory(std::string_view text) {
  std::int64_t number = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(begin, end, number);
  const std::string bad = "memory '" + std::string(text) + "'";
  if (ec != std::errc() || ptr == begin || number <= 0) {
    return MakeError(ErrorCode::kInvalidArgument,
                     bad + " is not a positive size like 256M or 1Gi");
  }
  static const std::map<std::string, int, std::less<>> kShift = {
      {"", 0},    {"b", 0},   {"B", 0},  {"k", 10},  {"K", 10},
      {"Ki", 10}, {"m", 20},  {"M", 20}, {"Mi", 20}, {"g", 30},
      {"G", 30},  {"Gi", 30}, {"t", 40}, {"T", 40},  {"Ti", 40}};
  auto unit = kShift.find(std::string_view(ptr, end - ptr));
  if (unit == kShift.end()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     bad + ": unknown unit (use K, M, G, T or Ki, Mi, Gi, Ti)");
  }
  if (number > (std::numeric_limits<std::int64_t>::max() >> unit->second)) {
    return MakeError(ErrorCode::kOutOfRange, bad + " is too large");
  }
  const std::int64_t bytes = number << unit->second;
  if (bytes < kMinMemory) {
    return MakeError(ErrorCode::kOutOfRange,
                     bad + " is below the 6M a container needs to start");
  }
  return bytes;
}

Result<std::int64_t> ParseMillicpus(std::string_view text) {
  const std::string bad = "cpus '" + std::string(text) + "'";
  const size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view fraction =
      dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  auto digits = [](std::string_view s) {
    for (char c : s)
      if (c < '0' || c > '9') return false;
    return true;
  };
  if ((whole.empty() && fraction.empty()) || !digits(whole) ||
      !digits(fraction) || fraction.size() > 3 || whole.size() > 6 ||
      (dot != std::string_view::npos && fraction.empty())) {
    return MakeError(ErrorCode::kInvalidArgument,
                     bad +
                         " is not a number of CPUs like 1.5 (at most 3 "
                         "decimals)");
  }
  std::int64_t millicpus = 0;
  for (char c : whole) millicpus = millicpus * 10 + (c - '0');
  millicpus *= 1000;
  std::int64_t scale = 100;
  for (char c : fraction) {
    millicpus += (c - '0') * scale;
    scale /= 10;
  }
  if (millicpus < kMinMillicpus) {
    return MakeError(ErrorCode::kOutOfRange,
                     bad + " is below 0.01, the smallest CFS quota");
  }
  return millicpus;
}

Status ValidateSettings(const ContainerSettings& settings) {
  std::map<std::string, std::string> seen;  // destination -> what uses it
  auto claim = [&seen](const std::string& destination,
                       const std::string& what) -> Status {
    auto [it, inserted] = seen.emplace(destination, what);
    if (!inserted) {
      return MakeError(
          ErrorCode::kInvalidArgument,
          what + " and " + it->second + " both mount at " + destination);
    }
    return Status::Ok();
  };
  for (const BindMount& mount : settings.mounts) {
    if (Status s = claim(mount.destination, "mount " + mount.source); !s.ok())
      return s;
    std::error_code ec;
    const fs::file_status status = fs::status(mount.source, ec);
    if (!fs::exists(status)) {
      return MakeError(ErrorCode::kNotFound,
                       "mount source " + mount.source + " does not exist");
    }
    if (!fs::is_regular_file(status) && !fs::is_directory(status)) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "mount source " + mount.source +
                           " is neither a file nor a directory");
    }
  }
  for (const VolumeMount& volume : settings.volumes) {
    if (Status s = claim(volume.destination, "volume " + volume.name); !s.ok())
      return s;
  }
  return Status::Ok();
}

Result<ContainerSettings> LoadSettings(const Flags& flags) {
  ContainerSettings settings;
  if (std::optional<std::string> file = flags.Get("deploy-file")) {
    Result<ContainerSettings> loaded = LoadDeployFile(*file);
    if (!loaded.ok()) return loaded.error();
    settings = std::move(loaded.value());
  }
  std::error_code ec;
  const fs::path cwd = fs::current_path(ec);
  for (const std::string& text : flags.GetAll("mount")) {
    Result<BindMount> mount = ParseMount(text, cwd);
    if (!mount.ok()) return WithContext(mount.error(), "--mount");
    settings.mounts.push_back(*mount);
  }
  for (const std::string& text : flags.GetAll("volume")) {
    Result<VolumeMount> volume = ParseVolume(text);
    if (!volume.ok()) return WithContext(volume.error(), "--volume");
    settings.volumes.push_back(*volume);
  }
  for (const std::string& text : flags.GetAll("env")) {
    Result<std::pair<std::string, std::string>> env = ParseEnv(text);
    if (!env.ok()) return WithContext(env.error(), "--env");
    settings.env.push_back(*env);
  }
  for (const std::string& arg : flags.GetAll("arg")) {
    settings.args.push_back(arg);
  }
  if (std::optional<std::string> text = flags.Get("memory")) {
    Result<std::int64_t> bytes = ParseMemory(*text);
    if (!bytes.ok()) return WithContext(bytes.error(), "--memory");
    settings.memory_bytes = *bytes;
  }
  if (std::optional<std::string> text = flags.Get("cpus")) {
    Result<std::int64_t> millicpus = ParseMillicpus(*text);
    if (!millicpus.ok()) return WithContext(millicpus.error(), "--cpus");
    settings.millicpus = *millicpus;
  }
  if (Status s = ValidateSettings(settings); !s.ok()) return s.error();
  // runc and the ConfigMap read the real file, not a link to it (a
  // `bazel run` runfile is a link into the source tree).
  for (BindMount& mount : settings.mounts) {
    fs::path real = fs::canonical(mount.source, ec);
    if (ec) {
      return MakeError("mount source " + mount.source + ": " + ec.message());
    }
    mount.source = real.string();
  }
  return settings;
}

std::string MemoryQuantity(std::int64_t bytes) {
  if (bytes % (std::int64_t{1} << 30) == 0)
    return std::to_string(bytes >> 30) + "Gi";
  if (bytes % kMiB == 0) return std::to_string(bytes >> 20) + "Mi";
  if (bytes % 1024 == 0) return std::to_string(bytes >> 10) + "Ki";
  return std::to_string(bytes);
}

std::string CpuQuantity(std::int64_t millicpus) {
  if (millicpus % 1000 == 0) return std::to_string(millicpus / 1000);
  return std::to_string(millicpus) + "m";
}

}  // namespace staticship::deploy
