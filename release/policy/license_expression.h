// SPDX license expressions (SPDX 2.3, Annex D): parsed into a tree and
// judged against allow and deny lists.
#ifndef STATICSHIP_RELEASE_POLICY_LICENSE_EXPRESSION_H_
#define STATICSHIP_RELEASE_POLICY_LICENSE_EXPRESSION_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"

namespace staticship::policy {

// One license: an SPDX id or a [DocumentRef-x:]LicenseRef-y, optionally
// "+" (this version or any later) and "WITH <exception>". NONE and
// NOASSERTION are terms too, but only as a whole expression.
struct LicenseTerm {
  std::string id;
  bool or_later = false;
  std::string exception;  // empty without WITH
};

struct LicenseExpression {
  enum class Kind { kTerm, kAnd, kOr };
  Kind kind = Kind::kTerm;
  LicenseTerm term;                         // kTerm
  std::vector<LicenseExpression> operands;  // kAnd, kOr: two or more
};

// Precedence as the spec has it: "+" binds tightest, then WITH, AND, OR;
// parentheses group. Operators are upper or lower case; ids keep their
// spelling (they compare case-insensitively). A malformed expression is an
// error saying where it goes wrong.
Result<LicenseExpression> ParseLicenseExpression(std::string_view text);

// A single term ("MIT", "GPL-2.0+", "Apache-2.0 WITH LLVM-exception"), as
// policy allow and deny lists hold them.
Result<LicenseTerm> ParseLicenseTerm(std::string_view text);

std::string ToString(const LicenseTerm& term);
std::string ToString(const LicenseExpression& expression);

struct LicenseVerdict {
  bool acceptable = false;
  // Why not, one phrase per offending term ("GPL-3.0-only is denied by
  // policy"), without repeats; empty when acceptable.
  std::vector<std::string> refusals;
};

// Acceptable when some choice among the OR alternatives uses only terms
// that are in `allow` (when given) and none that are in `deny`.
//
// Terms are compared case-insensitively and by meaning: "GPL-2.0" (a
// deprecated id) is GPL-2.0-only, "GPL-2.0+" is GPL-2.0-or-later. An entry
// without an exception covers the license with any exception (an exception
// only adds permissions, so an allowed license stays allowed, and a denied
// one stays denied); an entry with one covers exactly that pair.
LicenseVerdict JudgeLicenses(
    const LicenseExpression& expression,
    const std::optional<std::vector<std::string>>& allow,
    const std::vector<std::string>& deny);

}  // namespace staticship::policy

#endif  // STATICSHIP_RELEASE_POLICY_LICENSE_EXPRESSION_H_
