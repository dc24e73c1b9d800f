#include "release/registry/connection_flags.h"

#include <cstdlib>

#include "common/http/tls_context.h"

namespace staticship::registry {

void AddConnectionFlags(FlagSpec* spec) {
  spec->values.insert({"ca-cert", "auth-file", "timeout"});
  spec->switches.insert("insecure-http");
}

Result<ConnectionFlags> ReadConnectionFlags(
    const Flags& flags, std::chrono::milliseconds default_timeout) {
  ConnectionFlags out;
  out.timeout = default_timeout;
  if (auto file = flags.Get("ca-cert")) {
    if (file->empty()) return MakeError("--ca-cert needs a file");
    out.ca_cert = *file;
  }
  if (auto file = flags.Get("auth-file")) out.auth_file = *file;
  out.insecure_http = flags.GetBool("insecure-http");
  if (auto text = flags.Get("timeout")) {
    Result<std::chrono::milliseconds> parsed = ParseDuration(*text);
    if (!parsed.ok()) return parsed.error();
    out.timeout = *parsed;
  }
  return out;
}

Result<std::string> SchemeFor(const ConnectionFlags& flags,
                              std::string_view registry) {
  if (!flags.insecure_http) return std::string("https");
  if (!IsLoopbackRegistry(registry)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "--insecure-http is only for a loopback registry "
                     "(127.0.0.0/8, ::1, localhost), not " +
                         std::string(registry) + ": use https");
  }
  if (flags.ca_cert.has_value()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "--ca-cert and --insecure-http contradict each other: "
                     "https with that CA, or plain http?");
  }
  return std::string("http");
}

RegistryConnection::RegistryConnection(std::shared_ptr<http::TlsContext> tls,
                                       const Reference& reference,
                                       std::optional<Credentials> credentials,
                                       ClientOptions options)
    : transport_(std::move(tls)),
      client_(transport_, reference.registry, reference.repository,
              std::move(credentials), std::move(options)) {}

Result<std::unique_ptr<RegistryConnection>> RegistryConnection::Open(
    const ConnectionFlags& flags, const Reference& reference,
    std::string_view actions, const EnvLookup& env) {
  Result<std::string> scheme = SchemeFor(flags, reference.registry);
  if (!scheme.ok()) return scheme.error();
  std::shared_ptr<http::TlsContext> tls;
  if (*scheme == "https") {
    Result<std::shared_ptr<http::TlsContext>> loaded =
        flags.ca_cert.has_value() ? http::TlsContext::FromCaFile(*flags.ca_cert)
                                  : http::TlsContext::FromSystemStore(env);
    if (!loaded.ok()) {
      return flags.ca_cert.has_value()
                 ? WithContext(loaded.error(), "--ca-cert")
                 : loaded.error();
    }
    tls = *loaded;
    // Each shipctl command is a process of its own: without the file, each
    // would pay a full handshake to a registry the last one just spoke to.
    tls->PersistSessions(http::DefaultTlsSessionFile(env));
  }
  Result<std::optional<Credentials>> credentials =
      LoadCredentials(flags.auth_file, reference.registry, env);
  if (!credentials.ok()) return credentials.error();
  ClientOptions options;
  options.scheme = *scheme;
  options.request_timeout = flags.timeout;
  std::unique_ptr<RegistryConnection> connection(new RegistryConnection(
      std::move(tls), reference, std::move(*credentials), options));
  Status auth = connection->client_.Authenticate(actions);
  if (!auth.ok()) return auth.error();
  return connection;
}

Result<std::unique_ptr<RegistryConnection>> OpenRegistryConnection(
    const Flags& flags, const Reference& reference, std::string_view actions) {
  Result<ConnectionFlags> connection_flags =
      ReadConnectionFlags(flags, std::chrono::seconds(60));
  if (!connection_flags.ok()) return connection_flags.error();
  return RegistryConnection::Open(
      *connection_flags, reference, actions,
      [](const char* name) { return std::getenv(name); });
}

Result<Reference> RequireDigestReference(const Flags& flags) {
  Result<std::string> text = flags.Require("ref");
  if (!text.ok()) return text.error();
  Result<Reference> ref = ParseReference(*text);
  if (!ref.ok()) return ref.error();
  if (ref->digest.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "--ref must name a digest (HOST:PORT/REPO@sha256:…): a "
                     "tag can move after it was checked");
  }
  return ref;
}

}  // namespace staticship::registry
