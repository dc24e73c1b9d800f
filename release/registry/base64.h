// RFC 4648 base64 with padding: Basic credentials and docker config "auth".
#ifndef STATICSHIP_RELEASE_REGISTRY_BASE64_H_
#define STATICSHIP_RELEASE_REGISTRY_BASE64_H_

#include <string>
#include <string_view>

#include "services/common/result.h"

namespace staticship::registry {

std::string Base64Encode(std::string_view data);
// Accepts padded or unpadded input; rejects any other character.
Result<std::string> Base64Decode(std::string_view text);

}  // namespace staticship::registry

#endif  // STATICSHIP_RELEASE_REGISTRY_BASE64_H_
