// The flags of every shipctl command that talks to a registry (push, pull,
// deploy, verify), read in one place so they are spelt, defaulted and
// checked alike:
//
//   --ca-cert FILE    PEM file of the CA certificate(s) to trust for https
//                     (several may be concatenated); default: the system
//                     store ($SSL_CERT_FILE, /etc/ssl/certs/ca-certificates.crt
//                     and the other places Go's crypto/x509 looks)
//   --insecure-http   plain http instead of https; accepted only for a
//                     loopback registry (127.0.0.0/8, ::1, localhost)
//   --auth-file FILE  credentials (credentials.h), else the environment
//   --timeout 60s     per request (deploy: the whole deploy)
//
// TLS sessions are kept for the next command in
// ~/.cache/staticship/tls-sessions (http/tls_session_file.h; the
// STATICSHIP_TLS_SESSION_CACHE variable names another file, or "off").
//
// https is the default for every registry, loopback included, and nothing
// falls back from one scheme to the other: an https registry that answers
// plain http, or a TLS registry reached with --insecure-http, is an error.
#ifndef STATICSHIP_RELEASE_REGISTRY_CONNECTION_FLAGS_H_
#define STATICSHIP_RELEASE_REGISTRY_CONNECTION_FLAGS_H_

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/base/flags.h"
#include "common/base/result.h"
#include "release/registry/credentials.h"
#include "release/registry/http_transport.h"
#include "release/registry/reference.h"
#include "release/registry/registry_client.h"

namespace staticship::registry {

// The usage lines for the flags above, for a command's --help.
inline constexpr char kConnectionFlagsUsage[] =
    "         [--ca-cert FILE] [--insecure-http (loopback only)]\n"
    "         [--auth-file FILE] [--timeout DURATION]\n";

// Adds the flags above to a command's spec.
void AddConnectionFlags(FlagSpec* spec);

struct ConnectionFlags {
  std::optional<std::filesystem::path> ca_cert;
  bool insecure_http = false;
  std::optional<std::filesystem::path> auth_file;
  std::chrono::milliseconds timeout{60000};
};

// Reads them; default_timeout when --timeout is absent.
Result<ConnectionFlags> ReadConnectionFlags(
    const Flags& flags, std::chrono::milliseconds default_timeout);

// "https" or "http" for this registry: --insecure-http against a registry
// that is not on loopback, or with --ca-cert, is an error.
Result<std::string> SchemeFor(const ConnectionFlags& flags,
                              std::string_view registry);

// An authenticated client for one repository, with the transport it uses.
class RegistryConnection {
 public:
  // Checks the scheme rule, loads the CAs (https) and the credentials, and
  // answers the registry's challenge for `actions` ("pull", "pull,push").
  // Every failure is one line.
  static Result<std::unique_ptr<RegistryConnection>> Open(
      const ConnectionFlags& flags, const Reference& reference,
      std::string_view actions, const EnvLookup& env);

  RegistryClient& client() { return client_; }

 private:
  RegistryConnection(std::shared_ptr<http::TlsContext> tls,
                     const Reference& reference,
                     std::optional<Credentials> credentials,
                     ClientOptions options);

  SocketTransport transport_;
  RegistryClient client_;
};

// ReadConnectionFlags (60 s unless --timeout) and RegistryConnection::Open
// with the process environment, for the commands that have nothing else to
// check between reading the flags and connecting (sign, attest, verify).
Result<std::unique_ptr<RegistryConnection>> OpenRegistryConnection(
    const Flags& flags, const Reference& reference, std::string_view actions);

// --ref as a command that checks or signs an image needs it:
// HOST:PORT/REPO@sha256:<hex>. A tag can move after it was checked; the
// digest is what is signed and verified.
Result<Reference> RequireDigestReference(const Flags& flags);

}  // namespace staticship::registry

#endif  // STATICSHIP_RELEASE_REGISTRY_CONNECTION_FLAGS_H_
