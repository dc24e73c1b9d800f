// `--name value` and `--name` (switch) parsing for the shiptime
// subcommands, strict enough that a misspelt flag is an error, not a
// silently missing measurement.
#ifndef STATICSHIP_RELEASE_TIMING_FLAGS_H_
#define STATICSHIP_RELEASE_TIMING_FLAGS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "services/common/result.h"

namespace staticship::timing {

class Flags {
 public:
  static Result<Flags> Parse(const std::vector<std::string>& args,
                             const std::set<std::string>& valued,
                             const std::set<std::string>& switches);

  std::optional<std::string> Get(const std::string& name) const;
  Result<std::string> Require(const std::string& name) const;
  bool Has(const std::string& name) const;
  Result<std::optional<double>> GetDouble(const std::string& name) const;
  Result<std::optional<std::int64_t>> GetInt(const std::string& name) const;

 private:
  std::map<std::string, std::string> values_;
};

}  // namespace staticship::timing

#endif  // STATICSHIP_RELEASE_TIMING_FLAGS_H_
