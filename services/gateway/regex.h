// A route's compiled RE2 pattern. It matches the whole string, as Envoy's
// `safe_regex` does: "/v1/[a-z]+" does not match "/v1/tasks/7", and "^...$"
// anchors are allowed but change nothing. RE2 runs in time linear in the
// input, so a pattern from the config cannot make a request path slow.
#ifndef STATICSHIP_SERVICES_GATEWAY_REGEX_H_
#define STATICSHIP_SERVICES_GATEWAY_REGEX_H_

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "common/base/result.h"

namespace re2 {
class RE2;
}  // namespace re2

namespace staticship::gateway {

class Regex {
 public:
  // Compiles once, at config load; the error carries RE2's own message
  // ("missing ): (a").
  static Result<Regex> Compile(std::string_view pattern);

  // Safe from any number of threads at once: RE2 matching is const.
  bool FullMatch(std::string_view text) const;

  const std::string& pattern() const { return pattern_; }

  // Equal patterns compile to the same matcher: a reload compares configs
  // by pattern, not by compiled object.
  bool operator==(const Regex& other) const {
    return pattern_ == other.pattern_;
  }

 private:
  Regex(std::string pattern, std::shared_ptr<const re2::RE2> re)
      : pattern_(std::move(pattern)), re_(std::move(re)) {}

  std::string pattern_;
  // Shared, never modified: a Config is copied into each reload's snapshot
  // and the compiled automaton need not be.
  std::shared_ptr<const re2::RE2> re_;
};

}  // namespace staticship::gateway

#endif  // STATICSHIP_SERVICES_GATEWAY_REGEX_H_
