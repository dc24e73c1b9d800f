// Command-line handling shared by the shipctl subcommands.
//
// Bazel passes long argument lists through a params file, so "@FILE" expands
// to the lines of FILE (Bazel's "multiline" format: one argument per line,
// no quoting). Flags are "--name=value" (repeatable) or a bare "--name".
#ifndef STATICSHIP_RELEASE_COMMON_ARGS_H_
#define STATICSHIP_RELEASE_COMMON_ARGS_H_

#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "services/common/result.h"

namespace staticship::release {

// Replaces each "@path" argument with the lines of that file.
Result<std::vector<std::string>> ExpandParamFiles(
    std::span<const std::string> args);

class ParsedFlags {
 public:
  // Fails on positional arguments and on flags not in `known`.
  static Result<ParsedFlags> Parse(std::span<const std::string> args,
                                   const std::set<std::string>& known);

  bool Has(const std::string& name) const { return values_.count(name) > 0; }
  // The last value of a flag, or `fallback` when absent.
  std::string Get(const std::string& name,
                  const std::string& fallback = "") const;
  // Every value of a repeatable flag, in command-line order.
  std::vector<std::string> GetAll(const std::string& name) const;

 private:
  std::map<std::string, std::vector<std::string>> values_;
};

// argv (without the program and subcommand names) as strings.
std::vector<std::string> ToStrings(std::span<char* const> args);

}  // namespace staticship::release

#endif  // STATICSHIP_RELEASE_COMMON_ARGS_H_
