// cosign's "simple signing" payload: the bytes a cosign image signature
// signs, naming the repository and the manifest digest.
//
//   {"critical":{"identity":{"docker-reference":"HOST:PORT/REPO"},
//    "image":{"docker-manifest-digest":"sha256:…"},
//    "type":"cosign container image signature"},"optional":null}
#ifndef STATICSHIP_RELEASE_SIGNING_SIMPLE_SIGNING_H_
#define STATICSHIP_RELEASE_SIGNING_SIMPLE_SIGNING_H_

#include <string>
#include <string_view>

#include "common/base/result.h"

namespace staticship::signing {

inline constexpr char kSimpleSigningMediaType[] =
    "application/vnd.dev.cosign.simplesigning.v1+json";
inline constexpr char kSignatureAnnotation[] =
    "dev.cosignproject.cosign/signature";

std::string SimpleSigningPayload(std::string_view docker_reference,
                                 std::string_view manifest_digest);

// The manifest digest a payload names; an error when it is not a cosign
// container image signature payload.
Result<std::string> SimpleSigningDigest(std::string_view payload);

}  // namespace staticship::signing

#endif  // STATICSHIP_RELEASE_SIGNING_SIMPLE_SIGNING_H_
