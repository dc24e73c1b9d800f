#include "release/registry/challenge.h"

#include <cctype>

#include "common/base/strings.h"

namespace staticship::registry {
namespace {

void SkipSpace(std::string_view& s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
}

bool IsTokenChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

}  // namespace

Result<Challenge> ParseChallenge(std::string_view header) {
  Challenge challenge;
  SkipSpace(header);
  size_t n = 0;
  while (n < header.size() && IsTokenChar(header[n])) ++n;
  if (n == 0) return MakeError("empty WWW-Authenticate challenge");
  challenge.scheme = AsciiLower(header.substr(0, n));
  header.remove_prefix(n);
  for (;;) {
    SkipSpace(header);
    while (!header.empty() && header.front() == ',') {
      header.remove_prefix(1);
      SkipSpace(header);
    }
    if (header.empty()) break;
    n = 0;
    while (n < header.size() && IsTokenChar(header[n])) ++n;
    if (n == 0) return MakeError("malformed WWW-Authenticate parameter");
    std::string key = AsciiLower(header.substr(0, n));
    header.remove_prefix(n);
    SkipSpace(header);
    if (header.empty() || header.front() != '=') {
      // A token without '=' starts the next challenge: we use only the first.
      break;
    }
    header.remove_prefix(1);
    SkipSpace(header);
    std::string value;
    if (!header.empty() && header.front() == '"') {
      header.remove_prefix(1);
      bool closed = false;
      while (!header.empty()) {
        char c = header.front();
        header.remove_prefix(1);
        if (c == '\\' && !header.empty()) {
          value += header.front();
          header.remove_prefix(1);
        } else if (c == '"') {
          closed = true;
          break;
        } else {
          value += c;
        }
      }
      if (!closed) return MakeError("unterminated quoted string in challenge");
    } else {
      n = 0;
      while (n < header.size() && header[n] != ',' && header[n] != ' ') ++n;
      value = std::string(header.substr(0, n));
      header.remove_prefix(n);
    }
    challenge.params[key] = value;
  }
  return challenge;
}

}  // namespace staticship::registry
