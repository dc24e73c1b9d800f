#include "release/timing/profile_parser.h"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/base/file.h"
#include "common/base/strings.h"

namespace staticship::timing {
namespace {

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

std::string NormaliseLabel(std::string label) {
  const auto slashes = label.find("//");
  if (slashes == std::string::npos || label.find(':', slashes) != label.npos) {
    return label;
  }
  const auto last_slash = label.rfind('/');
  return label + ":" + label.substr(last_slash + 1);
}

}  // namespace

Result<std::set<std::string>> ParseTargetList(std::string_view text) {
  std::set<std::string> targets;
  std::istringstream lines{std::string(text)};
  std::string line;
  while (std::getline(lines, line)) {
    std::string label(Trim(line, " \t\r"));
    if (label.empty() || label[0] == '#') continue;
    if (label.find("//") == std::string::npos) {
      return MakeError("not a Bazel label: '" + label + "'");
    }
    targets.insert(NormaliseLabel(std::move(label)));
  }
  if (targets.empty()) return MakeError("target list is empty");
  return targets;
}

Result<std::set<std::string>> ReadTargetList(const std::string& path) {
  auto text = ReadWholeFile(path);
  if (!text) return text.error();
  auto targets = ParseTargetList(*text);
  if (!targets) return MakeError(path + ": " + targets.message());
  return targets;
}

Result<ServiceBuildTime> SummariseProfile(std::string_view profile_json,
                                          const std::set<std::string>& targets,
                                          std::string_view image_target) {
  auto root = nlohmann::json::parse(profile_json, nullptr,
                                    /*allow_exceptions=*/false);
  if (root.is_discarded()) return MakeError("profile is not valid JSON");
  // Bazel writes either {"traceEvents":[…]} or a bare array.
  const nlohmann::json* events = &root;
  if (root.is_object()) {
    auto it = root.find("traceEvents");
    if (it == root.end()) return MakeError("profile has no traceEvents");
    events = &*it;
  }
  if (!events->is_array()) return MakeError("traceEvents is not an array");

  ServiceBuildTime time;
  std::int64_t first_start = std::numeric_limits<std::int64_t>::max();
  std::int64_t last_end = std::numeric_limits<std::int64_t>::min();
  for (const nlohmann::json& event : *events) {
    if (!event.is_object() || event.value("ph", "") != "X" ||
        event.value("cat", "") != "action processing") {
      continue;
    }
    const std::string name = event.value("name", "");
    const bool compiling = StartsWith(name, "Compiling ");
    const bool linking = StartsWith(name, "Linking ");
    const bool packing = !image_target.empty() && StartsWith(name, "Packing ");
    if (!compiling && !linking && !packing) continue;
    auto args = event.find("args");
    if (args == event.end() || !args->is_object()) {
      return MakeError("action '" + name +
                       "' has no args.target: capture the profile with "
                       "--experimental_profile_include_target_label");
    }
    const std::string target = args->value("target", "");
    if (packing ? target != image_target : !targets.count(target)) continue;
    auto ts = event.find("ts");
    auto dur = event.find("dur");
    if (ts == event.end() || dur == event.end() || !ts->is_number() ||
        !dur->is_number()) {
      return MakeError("action '" + name + "' lacks numeric ts/dur");
    }
    const auto start = ts->get<std::int64_t>();
    const auto duration = dur->get<std::int64_t>();
    if (packing) {
      // The image is not part of the compile+link wall time.
      time.image_us += duration;
      ++time.image_actions;
      continue;
    }
    if (compiling) {
      time.compile_us += duration;
      ++time.compile_actions;
    } else {
      time.link_us += duration;
      ++time.link_actions;
    }
    first_start = std::min(first_start, start);
    last_end = std::max(last_end, start + duration);
  }
  if (time.compile_actions + time.link_actions > 0) {
    time.wall_us = last_end - first_start;
  }
  return time;
}

Result<ServiceBuildTime> SummariseProfileFile(
    const std::string& path, const std::set<std::string>& targets,
    std::string_view image_target) {
  auto text = ReadWholeFile(path);
  if (!text) return text.error();
  auto time = SummariseProfile(*text, targets, image_target);
  if (!time) return MakeError(path + ": " + time.message());
  return time;
}

}  // namespace staticship::timing
