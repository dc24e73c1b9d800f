// What every TLS connection of a client shares (Mbed TLS): the trusted CA
// certificates, the client configuration (TLS 1.2, certificate verification
// required) with its random generator, and the sessions to resume.
//
//   auto tls = TlsContext::FromCaFile("ca.pem");     // or FromSystemStore
//   http::Client client({.tls = *tls});
//
// Loading a CA bundle parses every certificate in it, so a context is made
// once per process and shared (thread-safe) rather than per connection.
#ifndef STATICSHIP_COMMON_HTTP_TLS_CONTEXT_H_
#define STATICSHIP_COMMON_HTTP_TLS_CONTEXT_H_

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/base/result.h"
#include "common/http/tls_session_file.h"

namespace staticship::http {

// getenv, injected so tests choose what the environment says.
using EnvLookup = std::function<const char*(const char*)>;

// The CA bundles Go's crypto/x509 tries on Linux, in its order.
std::span<const char* const> SystemCaFiles();
// The directories it tries when no bundle exists (every file in them).
std::span<const char* const> SystemCaDirs();

class TlsContext {
 public:
  // Trusts exactly the certificates of a PEM file (one or several); a file
  // with none, or with one that does not parse, is an error.
  static Result<std::shared_ptr<TlsContext>> FromCaFile(
      const std::filesystem::path& file);
  // The same from PEM text; `source` names it in messages.
  static Result<std::shared_ptr<TlsContext>> FromCaPem(std::string_view pem,
                                                       std::string source);
  // The system store: $SSL_CERT_FILE, else the first of SystemCaFiles()
  // that exists, else $SSL_CERT_DIR or the first of SystemCaDirs() with a
  // certificate. Certificates Mbed TLS cannot parse are skipped there (a
  // distribution bundle is not ours to fix), but at least one must load.
  static Result<std::shared_ptr<TlsContext>> FromSystemStore(
      const EnvLookup& getenv);

  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  // "--ca-cert"-style description of where the CAs came from: a path.
  const std::string& ca_source() const { return ca_source_; }
  int ca_count() const { return ca_count_; }

  const mbedtls_ssl_config* config() const { return &config_; }

  // Session resumption per "host:port": a new connection to a server that
  // remembers the session (session ID or ticket) skips the key exchange and
  // the certificate chain.
  void SaveSession(const std::string& key, const mbedtls_ssl_context& ssl);
  void OfferSession(const std::string& key, mbedtls_ssl_context* ssl);

  // Also keeps the sessions in `file` (tls_session_file.h), so the next
  // process resumes them; an empty path keeps them in memory only. A file
  // that cannot be used is said once on stderr and then left alone.
  void PersistSessions(std::filesystem::path file);

  // SHA-256 (hex) of the trusted certificates: what a stored session was
  // verified under.
  const std::string& trust_scope() const { return trust_scope_; }

 private:
  TlsContext();
  Status Finish(std::string source);

  mbedtls_entropy_context entropy_;
  mbedtls_ctr_drbg_context drbg_;
  mbedtls_x509_crt ca_;
  mbedtls_ssl_config config_;
  std::string ca_source_;
  std::string trust_scope_;
  int ca_count_ = 0;

  struct SessionFree {
    void operator()(mbedtls_ssl_session* s) const;
  };
  void LoadSessionFileLocked();
  void WarnOnce(const std::string& problem);

  std::mutex mu_;
  std::map<std::string, std::unique_ptr<mbedtls_ssl_session, SessionFree>>
      sessions_;
  std::optional<TlsSessionFile> session_file_;
  bool session_file_loaded_ = false;
  bool warned_ = false;
  // What the file holds per peer, so an unchanged session is not rewritten.
  std::map<std::string, std::string> persisted_;
};

// Mbed TLS's text for an error code, "SSL - ..." / "X509 - ...".
std::string MbedtlsErrorText(int code);

}  // namespace staticship::http

#endif  // STATICSHIP_COMMON_HTTP_TLS_CONTEXT_H_
