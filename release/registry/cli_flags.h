// Flag parsing shared by the push and deploy subcommands: "--name value" or
// "--name=value", booleans without value, nothing positional.
#ifndef STATICSHIP_RELEASE_REGISTRY_CLI_FLAGS_H_
#define STATICSHIP_RELEASE_REGISTRY_CLI_FLAGS_H_

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>

#include "services/common/result.h"

namespace staticship::registry {

class Flags {
 public:
  static Result<Flags> Parse(std::span<char* const> args,
                             const std::set<std::string>& value_flags,
                             const std::set<std::string>& bool_flags);

  std::optional<std::string> Get(const std::string& name) const;
  bool Has(const std::string& name) const { return values_.count(name) > 0; }
  // Error "missing --name" when absent.
  Result<std::string> Require(const std::string& name) const;

 private:
  std::map<std::string, std::string> values_;
};

// "250ms", "10s", "2m" or a bare number of seconds.
Result<std::chrono::milliseconds> ParseDuration(std::string_view text);

}  // namespace staticship::registry

#endif  // STATICSHIP_RELEASE_REGISTRY_CLI_FLAGS_H_
