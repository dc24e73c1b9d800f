#include "release/timing/flags.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace staticship::timing {

Result<Flags> Flags::Parse(const std::vector<std::string>& args,
                           const std::set<std::string>& valued,
                           const std::set<std::string>& switches) {
  Flags flags;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    if (arg.rfind("--", 0) != 0) return MakeError("unexpected argument " + arg);
    std::string name = arg.substr(2);
    std::optional<std::string> inline_value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (switches.count(name)) {
      if (inline_value) return MakeError("--" + name + " takes no value");
      flags.values_[name] = "";
    } else if (valued.count(name)) {
      if (!inline_value && i + 1 >= args.size()) {
        return MakeError("--" + name + " needs a value");
      }
      flags.values_[name] = inline_value ? *inline_value : args[++i];
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
  auto value = Get(name);
  if (!value || value->empty()) return MakeError("--" + name + " is required");
  return *value;
}

bool Flags::Has(const std::string& name) const { return values_.count(name); }

Result<std::optional<double>> Flags::GetDouble(const std::string& name) const {
  auto text = Get(name);
  if (!text) return std::optional<double>();
  errno = 0;
  char* end = nullptr;
  const double value = std::strtod(text->c_str(), &end);
  if (text->empty() || *end != '\0' || errno != 0 || !std::isfinite(value)) {
    return MakeError("--" + name + " is not a number: '" + *text + "'");
  }
  return std::optional<double>(value);
}

Result<std::optional<std::int64_t>> Flags::GetInt(
    const std::string& name) const {
  auto text = Get(name);
  if (!text) return std::optional<std::int64_t>();
  errno = 0;
  char* end = nullptr;
  const long long value = std::strtoll(text->c_str(), &end, 10);
  if (text->empty() || *end != '\0' || errno != 0) {
    return MakeError("--" + name + " is not an integer: '" + *text + "'");
  }
  return std::optional<std::int64_t>(value);
}

}  // namespace staticship::timing
