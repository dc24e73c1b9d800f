#include "release/registry/cli_flags.h"

#include <charconv>

namespace staticship::registry {

Result<Flags> Flags::Parse(std::span<char* const> args,
                           const std::set<std::string>& value_flags,
                           const std::set<std::string>& bool_flags) {
  Flags flags;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i] == nullptr ? "" : args[i];
    if (!arg.starts_with("--")) {
      return MakeError("unexpected argument '" + std::string(arg) + "'");
    }
    arg.remove_prefix(2);
    std::string name(arg.substr(0, arg.find('=')));
    std::optional<std::string> inline_value;
    if (arg.find('=') != std::string_view::npos) {
      inline_value = std::string(arg.substr(arg.find('=') + 1));
    }
    if (bool_flags.count(name) > 0) {
      if (inline_value.has_value()) {
        return MakeError("--" + name + " takes no value");
      }
      flags.values_[name] = "true";
    } else if (value_flags.count(name) > 0) {
      if (inline_value.has_value()) {
        flags.values_[name] = *inline_value;
      } else if (i + 1 < args.size() && args[i + 1] != nullptr) {
        flags.values_[name] = args[++i];
      } else {
        return MakeError("--" + name + " needs a value");
      }
    } else {
      return MakeError("unknown flag --" + name);
    }
  }
  return flags;
}

std::optional<std::string> Flags::Get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

Result<std::string> Flags::Require(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end() || it->second.empty()) {
    return MakeError("missing --" + name);
  }
  return it->second;
}

Result<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  long long value = 0;
  auto [ptr, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || value < 0) {
    return MakeError("bad duration '" + std::string(text) + "'");
  }
  std::string_view unit(ptr,
                        static_cast<size_t>(text.data() + text.size() - ptr));
  if (unit == "ms") return std::chrono::milliseconds(value);
  if (unit == "s" || unit.empty())
    return std::chrono::milliseconds(value * 1000);
  if (unit == "m") return std::chrono::milliseconds(value * 60000);
  return MakeError("bad duration unit in '" + std::string(text) +
                   "' (use ms, s or m)");
}

}  // namespace staticship::registry
