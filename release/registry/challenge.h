// WWW-Authenticate challenges (RFC 7235) as registries send them:
//   Basic realm="basic-realm"
//   Bearer
//   realm="https://auth/token",service="registry",scope="repository:x:pull"
#ifndef STATICSHIP_RELEASE_REGISTRY_CHALLENGE_H_
#define STATICSHIP_RELEASE_REGISTRY_CHALLENGE_H_

#include <map>
#include <string>
#include <string_view>

#include "common/base/result.h"

namespace staticship::registry {

struct Challenge {
  std::string scheme;                         // lower case: "basic", "bearer"
  std::map<std::string, std::string> params;  // keys lower case

  std::string Param(const std::string& key) const {
    auto it = params.find(key);
    return it == params.end() ? std::string() : it->second;
  }
};

// Parses the first challenge of the header value.
Result<Challenge> ParseChallenge(std::string_view header);

}  // namespace staticship::registry

#endif  // STATICSHIP_RELEASE_REGISTRY_CHALLENGE_H_
