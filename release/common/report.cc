#include "release/common/report.h"

#include <nlohmann/json.hpp>

#include "common/base/file.h"

namespace staticship::release {

Status WriteReport(const std::string& path, const nlohmann::json& report) {
  if (!report.is_object()) return MakeError("a report must be a JSON object");
  Status written = WriteFileAtomically(path, report.dump(2) + "\n");
  if (!written.ok())
    return MakeError("--report " + path + ": " + written.message());
  return Status::Ok();
}

}  // namespace staticship::release
