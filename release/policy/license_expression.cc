#include "release/policy/license_expression.h"

#include <set>

#include "common/base/strings.h"

namespace staticship::policy {
namespace {

bool IdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '.' || c == '-';
}

bool ValidIdString(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IdChar(c)) return false;
  }
  return true;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// [DocumentRef-idstring:]LicenseRef-idstring
bool IsLicenseRef(std::string_view s) {
  if (StartsWith(s, "DocumentRef-")) {
    const size_t colon = s.find(':');
    if (colon == std::string_view::npos ||
        !ValidIdString(s.substr(12, colon - 12))) {
      return false;
    }
    s = s.substr(colon + 1);
  }
  return StartsWith(s, "LicenseRef-") && ValidIdString(s.substr(11));
}

bool IsOperator(std::string_view word, std::string_view upper) {
  return word == upper || word == AsciiLower(upper);
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) { Tokenize(); }

  Result<LicenseExpression> ParseWhole() {
    if (!error_.empty()) return Fail(error_);
    if (tokens_.empty()) return Fail("is empty");
    if (tokens_.size() == 1 &&
        (tokens_[0] == "NONE" || tokens_[0] == "NOASSERTION")) {
      LicenseExpression e;
      e.term.id = tokens_[0];
      return e;
    }
    auto e = ParseOr();
    if (!e.ok()) return e;
    if (pos_ < tokens_.size()) {
      return Fail("unexpected '" + tokens_[pos_] + "'");
    }
    return e;
  }

 private:
  Error Fail(const std::string& why) const {
    return MakeError(ErrorCode::kInvalidArgument,
                     "license expression '" + std::string(text_) + "': " + why);
  }

  // Words (ids, operators, "+"-suffixed ids) and parentheses.
  void Tokenize() {
    size_t i = 0;
    while (i < text_.size()) {
      const char c = text_[i];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        ++i;
      } else if (c == '(' || c == ')') {
        tokens_.emplace_back(1, c);
        ++i;
      } else {
        size_t j = i;
        while (j < text_.size() &&
               (IdChar(text_[j]) || text_[j] == ':' || text_[j] == '+')) {
          ++j;
        }
        if (j == i) {
          error_ = std::string("unexpected character '") + c + "'";
          return;
        }
        tokens_.emplace_back(text_.substr(i, j - i));
        i = j;
      }
    }
  }

  bool Peek(std::string_view upper_operator) const {
    return pos_ < tokens_.size() && IsOperator(tokens_[pos_], upper_operator);
  }

  Result<LicenseExpression> ParseOr() {
    return ParseBinary("OR", LicenseExpression::Kind::kOr,
                       [this] { return ParseAnd(); });
  }

  Result<LicenseExpression> ParseAnd() {
    return ParseBinary("AND", LicenseExpression::Kind::kAnd,
                       [this] { return ParsePrimary(); });
  }

  template <typename Next>
  Result<LicenseExpression> ParseBinary(std::string_view op,
                                        LicenseExpression::Kind kind,
                                        Next next) {
    auto first = next();
    if (!first.ok()) return first;
    if (!Peek(op)) return first;
    LicenseExpression e;
    e.kind = kind;
    e.operands.push_back(std::move(*first));
    while (Peek(op)) {
      ++pos_;
      if (pos_ >= tokens_.size()) {
        return Fail("expected a license after " + std::string(op));
      }
      auto operand = next();
      if (!operand.ok()) return operand;
      e.operands.push_back(std::move(*operand));
    }
    return e;
  }

  Result<LicenseExpression> ParsePrimary() {
    if (pos_ >= tokens_.size()) return Fail("expected a license");
    const std::string& token = tokens_[pos_];
    if (token == "(") {
      ++pos_;
      auto inner = ParseOr();
      if (!inner.ok()) return inner;
      if (pos_ >= tokens_.size() || tokens_[pos_] != ")") {
        return Fail("missing ')'");
      }
      ++pos_;
      return inner;
    }
    if (token == ")") return Fail("unexpected ')'");
    for (std::string_view op : {"AND", "OR", "WITH"}) {
      if (IsOperator(token, op)) {
        return Fail("expected a license, found " + std::string(op));
      }
    }
    if (token == "NONE" || token == "NOASSERTION") {
      return Fail(token + " cannot be combined with other licenses");
    }
    LicenseExpression e;
    std::string id = token;
    if (!id.empty() && id.back() == '+') {
      id.pop_back();
      e.term.or_later = true;
    }
    if (IsLicenseRef(id)) {
      if (e.term.or_later) return Fail("'+' cannot follow " + id);
    } else if (!ValidIdString(id)) {
      return Fail("'" + token + "' is not a license id");
    }
    e.term.id = id;
    ++pos_;
    if (Peek("WITH")) {
      ++pos_;
      if (pos_ >= tokens_.size() || !ValidIdString(tokens_[pos_])) {
        return Fail("expected an exception id after WITH");
      }
      e.term.exception = tokens_[pos_++];
    }
    return e;
  }

  std::string_view text_;
  std::vector<std::string> tokens_;
  size_t pos_ = 0;
  std::string error_;
};

// SPDX deprecated the bare GNU ids in favour of -only; they mean the same.
bool IsDeprecatedGnuId(const std::string& lower) {
  static const std::set<std::string> kIds = {
      "gpl-1.0",  "gpl-2.0",  "gpl-3.0",  "lgpl-2.0", "lgpl-2.1", "lgpl-3.0",
      "agpl-1.0", "agpl-3.0", "gfdl-1.1", "gfdl-1.2", "gfdl-1.3"};
  return kIds.count(lower) > 0;
}

std::string EndingRemoved(std::string s, std::string_view suffix) {
  if (s.size() > suffix.size() &&
      s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0) {
    s.resize(s.size() - suffix.size());
  }
  return s;
}

// The license a term names, lower case, in the current spelling:
// "gpl-2.0" -> "gpl-2.0-only", "gpl-2.0+" -> "gpl-2.0-or-later".
std::string CanonicalLicense(const LicenseTerm& term) {
  std::string id = AsciiLower(term.id);
  if (term.or_later) {
    return EndingRemoved(EndingRemoved(id, "-only"), "-or-later") + "-or-later";
  }
  if (IsDeprecatedGnuId(id)) return id + "-only";
  return id;
}

struct TermSet {
  std::set<std::string> licenses;    // entries without an exception
  std::set<std::string> with_pairs;  // "license with exception"
};

TermSet MakeTermSet(const std::vector<std::string>& entries) {
  TermSet set;
  for (const std::string& entry : entries) {
    auto term = ParseLicenseTerm(entry);
    if (!term.ok()) continue;  // LoadPolicy refuses such entries
    if (term->exception.empty()) {
      set.licenses.insert(CanonicalLicense(*term));
    } else {
      set.with_pairs.insert(CanonicalLicense(*term) + " with " +
                            AsciiLower(term->exception));
    }
  }
  return set;
}

bool Covers(const TermSet& set, const LicenseTerm& term) {
  const std::string license = CanonicalLicense(term);
  if (set.licenses.count(license)) return true;
  return !term.exception.empty() &&
         set.with_pairs.count(license + " with " + AsciiLower(term.exception)) >
             0;
}

struct Judge {
  std::optional<TermSet> allow;
  TermSet deny;

  // Why a term is refused, or "" when it is acceptable.
  std::string Refusal(const LicenseTerm& term) const {
    const std::string name = ToString(term);
    if (Covers(deny, term)) return name + " is denied by policy";
    if (allow && !Covers(*allow, term)) {
      if (term.id == "NOASSERTION") {
        return "NOASSERTION (no license information) is not among the "
               "allowed licenses";
      }
      return name + " is not among the allowed licenses";
    }
    return "";
  }

  LicenseVerdict Evaluate(const LicenseExpression& e) const {
    LicenseVerdict verdict;
    if (e.kind == LicenseExpression::Kind::kTerm) {
      const std::string why = Refusal(e.term);
      verdict.acceptable = why.empty();
      if (!why.empty()) verdict.refusals.push_back(why);
      return verdict;
    }
    const bool is_and = e.kind == LicenseExpression::Kind::kAnd;
    verdict.acceptable = is_and;
    std::vector<std::string> reasons;
    for (const LicenseExpression& operand : e.operands) {
      const LicenseVerdict sub = Evaluate(operand);
      if (is_and) {
        verdict.acceptable = verdict.acceptable && sub.acceptable;
      } else {
        verdict.acceptable = verdict.acceptable || sub.acceptable;
      }
      if (!sub.acceptable) {
        reasons.insert(reasons.end(), sub.refusals.begin(), sub.refusals.end());
      }
    }
    if (!verdict.acceptable) {
      for (const std::string& r : reasons) {
        bool seen = false;
        for (const std::string& have : verdict.refusals) seen |= have == r;
        if (!seen) verdict.refusals.push_back(r);
      }
    }
    return verdict;
  }
};

}  // namespace

Result<LicenseExpression> ParseLicenseExpression(std::string_view text) {
  return Parser(text).ParseWhole();
}

Result<LicenseTerm> ParseLicenseTerm(std::string_view text) {
  auto e = ParseLicenseExpression(text);
  if (!e.ok()) return e.error();
  if (e->kind != LicenseExpression::Kind::kTerm) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "'" + std::string(text) +
                         "' is an expression; list one license per entry");
  }
  return e->term;
}

std::string ToString(const LicenseTerm& term) {
  std::string out = term.id;
  if (term.or_later) out += "+";
  if (!term.exception.empty()) out += " WITH " + term.exception;
  return out;
}

std::string ToString(const LicenseExpression& e) {
  if (e.kind == LicenseExpression::Kind::kTerm) return ToString(e.term);
  const std::string op =
      e.kind == LicenseExpression::Kind::kAnd ? " AND " : " OR ";
  std::string out;
  for (const LicenseExpression& operand : e.operands) {
    if (!out.empty()) out += op;
    // An OR inside an AND needs its parentheses back; AND binds tighter.
    const bool wrap = e.kind == LicenseExpression::Kind::kAnd &&
                      operand.kind == LicenseExpression::Kind::kOr;
    out += wrap ? "(" + ToString(operand) + ")" : ToString(operand);
  }
  return out;
}

LicenseVerdict JudgeLicenses(
    const LicenseExpression& expression,
    const std::optional<std::vector<std::string>>& allow,
    const std::vector<std::string>& deny) {
  Judge judge;
  if (allow) judge.allow = MakeTermSet(*allow);
  judge.deny = MakeTermSet(deny);
  return judge.Evaluate(expression);
}

}  // namespace staticship::policy
