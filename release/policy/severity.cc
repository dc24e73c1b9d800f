#include "release/policy/severity.h"

#include <string>

#include "common/base/strings.h"

namespace staticship::policy {

std::string_view SeverityName(Severity severity) {
  switch (severity) {
    case Severity::kNone:
      return "NONE";
    case Severity::kLow:
      return "LOW";
    case Severity::kMedium:
      return "MEDIUM";
    case Severity::kHigh:
      return "HIGH";
    case Severity::kCritical:
      return "CRITICAL";
  }
  return "NONE";
}

Severity SeverityOfScore(double score) {
  if (score >= 9.0) return Severity::kCritical;
  if (score >= 7.0) return Severity::kHigh;
  if (score >= 4.0) return Severity::kMedium;
  if (score > 0.0) return Severity::kLow;
  return Severity::kNone;
}

std::optional<Severity> ParseSeverityWord(std::string_view word) {
  const std::string w = AsciiLower(Trim(word));
  if (w == "none") return Severity::kNone;
  if (w == "low" || w == "negligible" || w == "unimportant") {
    return Severity::kLow;
  }
  if (w == "medium" || w == "moderate") return Severity::kMedium;
  if (w == "high" || w == "important") return Severity::kHigh;
  if (w == "critical") return Severity::kCritical;
  return std::nullopt;
}

}  // namespace staticship::policy
