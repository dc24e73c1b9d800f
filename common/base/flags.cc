#include "common/base/flags.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace staticship {

Result<Flags> Flags::Parse(std::span<const std::string> args,
                           const FlagSpec& spec) {
  Flags flags;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.size() < 3 || arg.compare(0, 2, "--") != 0) {
      if (!spec.positionals) {
        return MakeError("unexpected argument '" + arg + "'");
      }
      flags.positionals_.push_back(arg);
      continue;
    }
    const size_t eq = arg.find('=');
    const std::string given =
        arg.substr(2, eq == std::string::npos ? eq : eq - 2);
    std::string name = given;
    std::optional<std::string> inline_value;
    if (eq != std::string::npos) inline_value = arg.substr(eq + 1);

    if (spec.values.count(name) > 0) {
      if (inline_value) {
        flags.values_[name].push_back(std::move(*inline_value));
      } else if (i + 1 < args.size()) {
        flags.values_[name].push_back(args[++i]);
      } else {
        return MakeError("--" + name + " needs a value");
      }
      continue;
    }
    // A switch's own name wins over a negation, so "--no-base-files" can
    // be a switch of its own.
    bool on = true;
    if (spec.switches.count(name) == 0 && name.starts_with("no-") &&
        spec.switches.count(name.substr(3)) > 0) {
      name = name.substr(3);
      on = false;
    }
    if (spec.switches.count(name) == 0) {
      return MakeError("unknown flag --" + given);
    }
    if (inline_value) return MakeError("--" + given + " takes no value");
    flags.values_[name].push_back(on ? "true" : "false");
  }
  return flags;
}

std::optional<std::string> Flags::Get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second.back();
}

std::string Flags::GetOr(const std::string& name, std::string fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::move(fallback) : it->second.back();
}

std::vector<std::string> Flags::GetAll(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

bool Flags::GetBool(const std::string& name, bool fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second.back() == "true";
}

Result<std::string> Flags::Require(const std::string& name) const {
  std::optional<std::string> value = Get(name);
  if (!value || value->empty()) return MakeError("--" + name + " is required");
  return *value;
}

Result<std::optional<std::int64_t>> Flags::GetInt(
    const std::string& name) const {
  std::optional<std::string> text = Get(name);
  if (!text) return std::optional<std::int64_t>();
  std::int64_t value = 0;
  const char* end = text->data() + text->size();
  auto [ptr, ec] = std::from_chars(text->data(), end, value);
  if (text->empty() || ec != std::errc() || ptr != end) {
    return MakeError("--" + name + " is not an integer: '" + *text + "'");
  }
  return std::optional<std::int64_t>(value);
}

Result<std::optional<double>> Flags::GetDouble(const std::string& name) const {
  std::optional<std::string> text = Get(name);
  if (!text) return std::optional<double>();
  errno = 0;
  char* end = nullptr;
  const double value = std::strtod(text->c_str(), &end);
  if (text->empty() || *end != '\0' || errno != 0 || !std::isfinite(value)) {
    return MakeError("--" + name + " is not a number: '" + *text + "'");
  }
  return std::optional<double>(value);
}

std::vector<std::string> ArgsFromArgv(std::span<char* const> argv) {
  std::vector<std::string> args;
  args.reserve(argv.size());
  for (const char* arg : argv) args.emplace_back(arg != nullptr ? arg : "");
  return args;
}

Result<Flags> ParseCommandLine(std::span<char* const> argv,
                               const FlagSpec& spec) {
  Result<std::vector<std::string>> args = ExpandParamFiles(ArgsFromArgv(argv));
  if (!args.ok()) return args.error();
  return Flags::Parse(*args, spec);
}

ParsedCommand ParseCommand(std::string_view command,
                           std::span<char* const> argv, FlagSpec spec,
                           std::string_view usage) {
  spec.switches.insert("help");
  Result<Flags> flags = ParseCommandLine(argv, spec);
  if (!flags.ok()) {
    std::fprintf(stderr, "%.*s: %s\n%.*s", static_cast<int>(command.size()),
                 command.data(), flags.message().c_str(),
                 static_cast<int>(usage.size()), usage.data());
    return {std::nullopt, 2};
  }
  if (flags->GetBool("help")) {
    std::fwrite(usage.data(), 1, usage.size(), stdout);
    return {std::nullopt, 0};
  }
  return {std::move(*flags), 0};
}

int CommandFailure::operator()(std::string_view message) const {
  std::fprintf(stderr, "%s: %.*s\n", command_.c_str(),
               static_cast<int>(message.size()), message.data());
  return 1;
}

Result<std::vector<std::string>> ExpandParamFiles(
    std::span<const std::string> args) {
  std::vector<std::string> out;
  for (const std::string& arg : args) {
    if (arg.size() < 2 || arg[0] != '@') {
      out.push_back(arg);
      continue;
    }
    std::ifstream in(arg.substr(1));
    if (!in) return MakeError("cannot read params file " + arg.substr(1));
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!line.empty()) out.push_back(line);
    }
  }
  return out;
}

Result<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  long long value = 0;
  auto [ptr, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || value < 0) {
    return MakeError("bad duration '" + std::string(text) + "'");
  }
  const std::string_view unit(
      ptr, static_cast<size_t>(text.data() + text.size() - ptr));
  if (unit == "ms") return std::chrono::milliseconds(value);
  if (unit == "s" || unit.empty()) {
    return std::chrono::milliseconds(value * 1000);
  }
  if (unit == "m") return std::chrono::milliseconds(value * 60000);
  return MakeError("bad duration unit in '" + std::string(text) +
                   "' (use ms, s or m)");
}

}  // namespace staticship
