#include "release/signing/registry_session.h"

#include <chrono>
#include <cstdlib>

namespace staticship::signing {

Result<std::unique_ptr<RegistrySession>> RegistrySession::Open(
    const Flags& flags, const registry::Reference& ref,
    std::string_view actions) {
  Result<registry::ConnectionFlags> connection_flags =
      registry::ReadConnectionFlags(flags, std::chrono::seconds(60));
  if (!connection_flags.ok()) return connection_flags.error();
  Result<std::unique_ptr<registry::RegistryConnection>> connection =
      registry::RegistryConnection::Open(
          *connection_flags, ref, actions,
          [](const char* name) { return std::getenv(name); });
  if (!connection.ok()) return connection.error();
  return std::unique_ptr<RegistrySession>(
      new RegistrySession(std::move(*connection)));
}

Result<registry::Reference> ParseDigestReference(const Flags& flags) {
  Result<std::string> text = flags.Require("ref");
  if (!text.ok()) return text.error();
  Result<registry::Reference> ref = registry::ParseReference(*text);
  if (!ref.ok()) return ref.error();
  if (ref->digest.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "--ref must name a digest (HOST:PORT/REPO@sha256:…): a "
                     "tag can move after it was checked");
  }
  return ref;
}

}  // namespace staticship::signing
