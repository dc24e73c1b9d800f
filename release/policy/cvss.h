// CVSS v3 base scores computed from the vector string, so a feed's severity
// is what its vector says rather than whatever score a record repeats.
#ifndef STATICSHIP_RELEASE_POLICY_CVSS_H_
#define STATICSHIP_RELEASE_POLICY_CVSS_H_

#include <string_view>

#include "common/base/result.h"

namespace staticship::policy {

// The base score of a "CVSS:3.1/AV:N/AC:L/..." (or CVSS:3.0) vector, with
// the CVSS v3.1 specification's equations, constants and Roundup (section
// 7.1 and Appendix A), so the result has exactly one decimal. Every base
// metric must appear once; temporal and environmental metrics are allowed
// and do not change the base score. Anything else is an error naming the
// offending part.
Result<double> CvssV3BaseScore(std::string_view vector);

}  // namespace staticship::policy

#endif  // STATICSHIP_RELEASE_POLICY_CVSS_H_
