#include "release/signing/password.h"

#include "common/base/file.h"

namespace staticship::signing {

Result<std::optional<std::string>> LoadPassword(
    const std::optional<std::filesystem::path>& file, const EnvLookup& env) {
  std::string password;
  if (file.has_value()) {
    Result<std::string> text = ReadWholeFile(*file);
    if (!text.ok()) return WithContext(text.error(), "--password-file");
    password = text->substr(0, text->find_first_of("\r\n"));
    if (password.empty()) {
      return MakeError(
          ErrorCode::kInvalidArgument,
          "--password-file " + file->string() + ": the password is empty");
    }
    return std::optional<std::string>(std::move(password));
  }
  const char* value = env(kPasswordEnv);
  if (value == nullptr) return std::optional<std::string>();
  if (*value == '\0') {
    return MakeError(ErrorCode::kInvalidArgument,
                     std::string(kPasswordEnv) +
                         " is set but empty; unset it for an unencrypted key");
  }
  return std::optional<std::string>(value);
}

}  // namespace staticship::signing
