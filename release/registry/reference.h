// Image references as the CLI takes them: HOST:PORT/REPO:TAG or
// HOST:PORT/REPO@sha256:<hex>. The registry part is mandatory: there is no
// implicit default registry in a hermetic release system.
#ifndef STATICSHIP_RELEASE_REGISTRY_REFERENCE_H_
#define STATICSHIP_RELEASE_REGISTRY_REFERENCE_H_

#include <string>
#include <string_view>

#include "common/base/result.h"

namespace staticship::registry {

struct Reference {
  std::string registry;    // "127.0.0.1:5000"
  std::string repository;  // "staticship/gateway"
  std::string tag;         // empty when addressed by digest only
  std::string digest;      // "sha256:<hex>" or empty

  // registry/repository
  std::string Name() const { return registry + "/" + repository; }
  // The tag or the digest, as used in /v2/<name>/manifests/<reference>.
  std::string ManifestReference() const {
    return digest.empty() ? tag : digest;
  }
};

Result<Reference> ParseReference(std::string_view text);

// True for a loopback registry (127.0.0.0/8, ::1, localhost): the only
// place --insecure-http may be used.
bool IsLoopbackRegistry(std::string_view registry);

}  // namespace staticship::registry

#endif  // STATICSHIP_RELEASE_REGISTRY_REFERENCE_H_
