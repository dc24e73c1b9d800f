// Where a key's password comes from: a file (--password-file) or the
// variable cosign reads, COSIGN_PASSWORD; never the command line, where
// every user of the machine can read it in /proc.
#ifndef STATICSHIP_RELEASE_SIGNING_PASSWORD_H_
#define STATICSHIP_RELEASE_SIGNING_PASSWORD_H_

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "common/base/result.h"

namespace staticship::signing {

inline constexpr char kPasswordEnv[] = "COSIGN_PASSWORD";

// getenv, or a map in tests.
using EnvLookup = std::function<const char*(const char*)>;

// The file's first line (without its line ending) when `file` is given,
// else COSIGN_PASSWORD when set, else nullopt. An empty password is an
// error: it would encrypt with nothing secret.
Result<std::optional<std::string>> LoadPassword(
    const std::optional<std::filesystem::path>& file, const EnvLookup& env);

}  // namespace staticship::signing

#endif  // STATICSHIP_RELEASE_SIGNING_PASSWORD_H_
