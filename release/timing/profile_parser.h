// Attributes the compile and link actions in a Bazel 4.2.3 JSON trace
// profile to one service.
#ifndef STATICSHIP_RELEASE_TIMING_PROFILE_PARSER_H_
#define STATICSHIP_RELEASE_TIMING_PROFILE_PARSER_H_

#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "common/base/result.h"

namespace staticship::timing {

struct ServiceBuildTime {
  std::int64_t compile_us = 0;  // sum of "Compiling …" action durations
  std::int64_t link_us = 0;     // sum of "Linking …" (archives included)
  std::int64_t wall_us = 0;     // first action start to last action end
  int compile_actions = 0;
  int link_actions = 0;
  std::int64_t image_us = 0;  // "Packing …" actions of the image target
  int image_actions = 0;
};

// Reads the output of `bazel query 'kind("cc_.* rule", deps(//x))'`: one
// label per line. `//a/b` is normalised to `//a/b:b` the way Bazel prints
// args.target.
Result<std::set<std::string>> ParseTargetList(std::string_view text);
Result<std::set<std::string>> ReadTargetList(const std::string& path);

// `image_target` (a label, or empty) names the image whose packing action
// is timed as well; compile and link come from `targets`.
Result<ServiceBuildTime> SummariseProfile(std::string_view profile_json,
                                          const std::set<std::string>& targets,
                                          std::string_view image_target = {});
Result<ServiceBuildTime> SummariseProfileFile(
    const std::string& path, const std::set<std::string>& targets,
    std::string_view image_target = {});

}  // namespace staticship::timing

#endif  // STATICSHIP_RELEASE_TIMING_PROFILE_PARSER_H_
