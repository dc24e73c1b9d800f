#include "release/registry/credentials.h"

#include <nlohmann/json.hpp>

#include "common/base/base64.h"
#include "common/base/file.h"

namespace staticship::registry {
namespace {

Result<Credentials> SplitUserPassword(std::string_view text) {
  size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return MakeError("expected user:password");
  }
  return Credentials{std::string(text.substr(0, colon)),
                     std::string(text.substr(colon + 1))};
}

Result<Credentials> FromDockerConfig(std::string_view content,
                                     std::string_view registry) {
  // parse() without exceptions: a parse error message would quote the input.
  nlohmann::json doc = nlohmann::json::parse(content, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return MakeError("auth file is not valid JSON");
  }
  auto auths = doc.find("auths");
  if (auths == doc.end() || !auths->is_object()) {
    return MakeError("auth file has no \"auths\" object");
  }
  const std::string host(registry);
  for (const std::string& key : {host, "http://" + host, "https://" + host}) {
    auto entry = auths->find(key);
    if (entry == auths->end() || !entry->is_object()) continue;
    auto auth = entry->find("auth");
    if (auth != entry->end() && auth->is_string()) {
      Result<std::string> decoded = Base64Decode(auth->get<std::string>());
      if (!decoded.ok()) {
        return MakeError("auth file: \"auth\" of " + host + " is not base64");
      }
      Result<Credentials> creds = SplitUserPassword(*decoded);
      if (!creds.ok()) {
        return MakeError("auth file: \"auth\" of " + host +
                         " is not base64(user:password)");
      }
      return creds;
    }
    auto user = entry->find("username");
    auto password = entry->find("password");
    if (user != entry->end() && user->is_string() && password != entry->end() &&
        password->is_string()) {
      return Credentials{user->get<std::string>(),
                         password->get<std::string>()};
    }
  }
  return MakeError("auth file has no credentials for " + host);
}

}  // namespace

Result<Credentials> ParseAuthFile(std::string_view content,
                                  std::string_view registry) {
  size_t first = content.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return MakeError("auth file is empty");
  content.remove_prefix(first);
  if (content.front() == '{') return FromDockerConfig(content, registry);
  std::string_view line = content.substr(0, content.find('\n'));
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  Result<Credentials> creds = SplitUserPassword(line);
  if (!creds.ok()) {
    return MakeError("auth file: first line must be user:password");
  }
  return creds;
}

Result<std::optional<Credentials>> LoadCredentials(
    const std::optional<std::filesystem::path>& auth_file,
    std::string_view registry, const EnvLookup& env) {
  if (auth_file.has_value()) {
    Result<std::string> content = ReadWholeFile(*auth_file);
    if (!content.ok()) {
      return MakeError("cannot read auth file " + auth_file->string());
    }
    Result<Credentials> creds = ParseAuthFile(*content, registry);
    if (!creds.ok()) {
      return MakeError(creds.message() + " (" + auth_file->string() + ")");
    }
    return std::optional<Credentials>(std::move(creds.value()));
  }
  const char* user = env(kUserEnv);
  const char* password = env(kPasswordEnv);
  if (user == nullptr && password == nullptr) {
    return std::optional<Credentials>();
  }
  if (user == nullptr || password == nullptr || *user == '\0') {
    return MakeError(std::string("set both ") + kUserEnv + " and " +
                     kPasswordEnv + ", or neither");
  }
  return std::optional<Credentials>(Credentials{user, password});
}

}  // namespace staticship::registry
