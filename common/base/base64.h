// RFC 4648 base64 with padding: registry credentials, docker config "auth",
// and the keys and values of etcd's JSON gateway.
#ifndef STATICSHIP_COMMON_BASE_BASE64_H_
#define STATICSHIP_COMMON_BASE_BASE64_H_

#include <string>
#include <string_view>

#include "common/base/result.h"

namespace staticship {

std::string Base64Encode(std::string_view data);
// Accepts padded or unpadded input; rejects any other character.
Result<std::string> Base64Decode(std::string_view text);

}  // namespace staticship

#endif  // STATICSHIP_COMMON_BASE_BASE64_H_
