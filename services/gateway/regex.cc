#include "services/gateway/regex.h"

#include <re2/re2.h>

#include <utility>

namespace staticship::gateway {

Result<Regex> Regex::Compile(std::string_view pattern) {
  re2::RE2::Options options;
  // The error comes back as a value; RE2 would also print it to stderr.
  options.set_log_errors(false);
  auto re = std::make_shared<const re2::RE2>(
      re2::StringPiece(pattern.data(), pattern.size()), options);
  if (!re->ok()) return MakeError(re->error());
  return Regex(std::string(pattern), std::move(re));
}

bool Regex::FullMatch(std::string_view text) const {
  return re2::RE2::FullMatch(re2::StringPiece(text.data(), text.size()), *re_);
}

}  // namespace staticship::gateway
