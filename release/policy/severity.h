// The qualitative severity scale every feed is mapped onto: CVSS's rating
// bands, which GHSA, NVD and the distributions all publish in some spelling.
#ifndef STATICSHIP_RELEASE_POLICY_SEVERITY_H_
#define STATICSHIP_RELEASE_POLICY_SEVERITY_H_

#include <optional>
#include <string_view>

namespace staticship::policy {

// Ordered: a policy refuses at or above its threshold.
enum class Severity { kNone = 0, kLow, kMedium, kHigh, kCritical };

// "NONE", "LOW", "MEDIUM", "HIGH", "CRITICAL".
std::string_view SeverityName(Severity severity);

// The CVSS v3 qualitative rating of a base score (0.0 NONE, 0.1-3.9 LOW,
// 4.0-6.9 MEDIUM, 7.0-8.9 HIGH, 9.0-10.0 CRITICAL).
Severity SeverityOfScore(double score);

// A severity word as feeds write it, case-insensitively: the five names
// above, GHSA's MODERATE, Red Hat's IMPORTANT, Ubuntu's and Debian's
// NEGLIGIBLE / UNIMPORTANT (still a flaw, so LOW rather than NONE).
// nullopt for anything else: an unrecognised word is an unknown severity,
// never a guess.
std::optional<Severity> ParseSeverityWord(std::string_view word);

}  // namespace staticship::policy

#endif  // STATICSHIP_RELEASE_POLICY_SEVERITY_H_
