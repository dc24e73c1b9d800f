// The JSON a shipctl subcommand writes with --report FILE: every figure and
// digest a script needs, so no script reads them back out of the text
// meant for people.
#ifndef STATICSHIP_RELEASE_COMMON_REPORT_H_
#define STATICSHIP_RELEASE_COMMON_REPORT_H_

#include <nlohmann/json_fwd.hpp>
#include <string>

#include "common/base/result.h"

namespace staticship::release {

// Writes `report` to `path` atomically (a reader never sees half of it),
// as one JSON object followed by a newline.
Status WriteReport(const std::string& path, const nlohmann::json& report);

}  // namespace staticship::release

#endif  // STATICSHIP_RELEASE_COMMON_REPORT_H_
