// Registry credentials, read from a file or the environment only: argv is
// visible to every user through /proc, so it never carries a password, and
// no error message below ever quotes the password or the file's content.
//
// File formats: one line "user:password", or a docker config.json
// ({"auths":{"host:port":{"auth":"base64(user:password)"}}} or with
// "username"/"password" fields).
#ifndef STATICSHIP_RELEASE_REGISTRY_CREDENTIALS_H_
#define STATICSHIP_RELEASE_REGISTRY_CREDENTIALS_H_

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/base/result.h"

namespace staticship::registry {

inline constexpr char kUserEnv[] = "STATICSHIP_REGISTRY_USER";
inline constexpr char kPasswordEnv[] = "STATICSHIP_REGISTRY_PASSWORD";

struct Credentials {
  std::string user;
  std::string password;
};

// Returns the value of an environment variable or nullptr (getenv's shape,
// injectable for tests).
using EnvLookup = std::function<const char*(const char*)>;

// auth_file wins over the environment. No credentials at all is not an
// error (anonymous push to an open registry): the result is nullopt.
Result<std::optional<Credentials>> LoadCredentials(
    const std::optional<std::filesystem::path>& auth_file,
    std::string_view registry, const EnvLookup& env);

// Parses the content of an auth file for the given registry ("host:port").
Result<Credentials> ParseAuthFile(std::string_view content,
                                  std::string_view registry);

}  // namespace staticship::registry

#endif  // STATICSHIP_RELEASE_REGISTRY_CREDENTIALS_H_
