// Small string helpers that HTTP headers, config files and command lines all
// need, and that std::string_view does not provide.
#ifndef STATICSHIP_COMMON_BASE_STRINGS_H_
#define STATICSHIP_COMMON_BASE_STRINGS_H_

#include <string>
#include <string_view>

namespace staticship {

// Spaces and horizontal tabs: HTTP's optional whitespace (RFC 9110, OWS),
// the default for Trim().
inline constexpr std::string_view kOws = " \t";

// `text` without leading and trailing characters from `chars`.
std::string_view Trim(std::string_view text, std::string_view chars = kOws);

// ASCII-only lower case: header names, tokens and schemes are ASCII, and a
// locale must not change how they compare.
std::string AsciiLower(std::string_view text);

// RFC 3986 percent-encoding: every byte but the unreserved characters
// (ALPHA DIGIT - . _ ~), and '/' when `keep_slash`, becomes %XX (upper-case
// hex), as package URLs want their components.
std::string PercentEncode(std::string_view text, bool keep_slash = false);

// Two lower-case hex digits per byte of `bytes`: how digests are written
// (OCI's "sha256:<hex>", key ids, the TLS session file's trust scopes).
std::string LowerHex(std::string_view bytes);

}  // namespace staticship

#endif  // STATICSHIP_COMMON_BASE_STRINGS_H_
