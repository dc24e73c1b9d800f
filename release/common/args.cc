#include "release/common/args.h"

#include <fstream>

namespace staticship::release {

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

Result<ParsedFlags> ParsedFlags::Parse(std::span<const std::string> args,
                                       const std::set<std::string>& known) {
  ParsedFlags flags;
  for (const std::string& arg : args) {
    if (arg.rfind("--", 0) != 0) {
      return MakeError("unexpected argument '" + arg +
                       "' (flags are --name=value)");
    }
    const std::size_t eq = arg.find('=');
    const std::string name =
        arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    if (known.count(name) == 0) return MakeError("unknown flag --" + name);
    flags.values_[name].push_back(eq == std::string::npos ? ""
                                                          : arg.substr(eq + 1));
  }
  return flags;
}

std::string ParsedFlags::Get(const std::string& name,
                             const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second.back();
}

std::vector<std::string> ParsedFlags::GetAll(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

std::vector<std::string> ToStrings(std::span<char* const> args) {
  return std::vector<std::string>(args.begin(), args.end());
}

}  // namespace staticship::release
