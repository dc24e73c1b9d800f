#include "release/signing/registry_session.h"

#include <cstdlib>

#include "release/registry/credentials.h"

namespace staticship::signing {

Result<std::unique_ptr<RegistrySession>> RegistrySession::Open(
    const Flags& flags, const registry::Reference& ref,
    std::string_view actions) {
  if (!registry::IsLoopbackRegistry(ref.registry) &&
      !flags.GetBool("insecure-http")) {
    return MakeError(ErrorCode::kFailedPrecondition,
                     "registry " + ref.registry +
                         " is not on loopback: plain http needs "
                         "--insecure-http");
  }
  registry::ClientOptions options;
  if (auto timeout = flags.Get("timeout")) {
    Result<std::chrono::milliseconds> parsed = ParseDuration(*timeout);
    if (!parsed.ok()) return parsed.error();
    options.request_timeout = *parsed;
  }
  std::optional<std::filesystem::path> auth_file;
  if (auto file = flags.Get("auth-file")) auth_file = *file;
  Result<std::optional<registry::Credentials>> creds =
      registry::LoadCredentials(auth_file, ref.registry, [](const char* name) {
        return std::getenv(name);
      });
  if (!creds.ok()) return creds.error();
  std::unique_ptr<RegistrySession> session(new RegistrySession());
  session->client_ = std::make_unique<registry::RegistryClient>(
      session->transport_, ref.registry, ref.repository,
      std::move(creds.value()), options);
  if (Status auth = session->client_->Authenticate(actions); !auth.ok()) {
    return auth.error();
  }
  return session;
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
