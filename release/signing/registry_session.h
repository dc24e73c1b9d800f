// A registry connection from the command-line flags that push, pull and
// deploy spell the same way (release/registry/connection_flags.h: --ca-cert,
// --insecure-http for loopback only, --auth-file, --timeout), for the
// commands that read or write signatures: sign, attest, verify.
#ifndef STATICSHIP_RELEASE_SIGNING_REGISTRY_SESSION_H_
#define STATICSHIP_RELEASE_SIGNING_REGISTRY_SESSION_H_

#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "common/base/flags.h"
#include "common/base/result.h"
#include "release/registry/connection_flags.h"
#include "release/registry/reference.h"
#include "release/registry/registry_client.h"

namespace staticship::signing {

// Added to a command's FlagSpec.
inline const std::set<std::string> kRegistryValueFlags = {
    "ca-cert", "auth-file", "timeout"};
inline const std::set<std::string> kRegistrySwitches = {"insecure-http"};
inline constexpr char kRegistryFlagsUsage[] =
    "[--ca-cert FILE] [--insecure-http (loopback only)] [--auth-file FILE] "
    "[--timeout 60s]";

class RegistrySession {
 public:
  // Authenticates for `actions` ("pull" or "pull,push") on ref's repository.
  static Result<std::unique_ptr<RegistrySession>> Open(
      const Flags& flags, const registry::Reference& ref,
      std::string_view actions);

  registry::RegistryClient& client() { return connection_->client(); }

 private:
  explicit RegistrySession(
      std::unique_ptr<registry::RegistryConnection> connection)
      : connection_(std::move(connection)) {}
  std::unique_ptr<registry::RegistryConnection> connection_;
};

// --ref as these commands need it: HOST:PORT/REPO@sha256:<hex>. A tag can
// move after signing; the digest is what is signed.
Result<registry::Reference> ParseDigestReference(const Flags& flags);

}  // namespace staticship::signing

#endif  // STATICSHIP_RELEASE_SIGNING_REGISTRY_SESSION_H_
