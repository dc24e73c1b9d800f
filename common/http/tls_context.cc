#include "common/http/tls_context.h"

#include <mbedtls/error.h>
#include <mbedtls/sha256.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <system_error>

#include "common/base/file.h"
#include "common/base/strings.h"

namespace staticship::http {
namespace {

constexpr const char* kCaFiles[] = {
    "/etc/ssl/certs/ca-certificates.crt",                 // Debian, Ubuntu
    "/etc/pki/tls/certs/ca-bundle.crt",                   // Fedora, RHEL 6
    "/etc/ssl/ca-bundle.pem",                             // openSUSE
    "/etc/pki/tls/cacert.pem",                            // OpenELEC
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",  // CentOS, RHEL 7
    "/etc/ssl/cert.pem",                                  // Alpine
};

constexpr const char* kCaDirs[] = {
    "/etc/ssl/certs",      // SLES10, SLES11
    "/etc/pki/tls/certs",  // Fedora, RHEL
};

// Ephemeral key exchanges and AEAD ciphers only. On x86-64 AES-GCM comes
// first: Mbed TLS runs it on AES-NI and PCLMULQDQ, while its ChaCha20 is
// portable C, and a Go server (docker-registry) takes the client's first
// AEAD choice as a statement about its hardware. Elsewhere this Mbed TLS
// has no AES instructions, so ChaCha20-Poly1305 leads.
constexpr int kCiphersuites[] = {
#if defined(__x86_64__)
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
#else
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
#endif
    0,
};

// The key exchange groups we offer, cheapest first. Mbed TLS's default
// list starts at secp521r1, and a Go server (docker-registry) takes the
// client's first group: that key exchange cost about half of a push's CPU.
constexpr mbedtls_ecp_group_id kCurves[] = {
    MBEDTLS_ECP_DP_CURVE25519,
    MBEDTLS_ECP_DP_SECP256R1,
    MBEDTLS_ECP_DP_SECP384R1,
    MBEDTLS_ECP_DP_NONE,
};

int CountCerts(const mbedtls_x509_crt& chain) {
  int n = 0;
  for (const mbedtls_x509_crt* c = &chain; c != nullptr && c->version != 0;
       c = c->next) {
    ++n;
  }
  return n;
}

// A stored session is trusted for at most this long, whatever the ticket's
// hint: about one release's worth of commands against one registry.
constexpr std::int64_t kMaxStoredSessionSeconds = 3600;

std::string TrustScopeOf(const mbedtls_x509_crt& chain) {
  mbedtls_sha256_context sha;
  mbedtls_sha256_init(&sha);
  mbedtls_sha256_starts_ret(&sha, /*is224=*/0);
  for (const mbedtls_x509_crt* c = &chain; c != nullptr && c->version != 0;
       c = c->next) {
    mbedtls_sha256_update_ret(&sha, c->raw.p, c->raw.len);
  }
  unsigned char digest[32];
  mbedtls_sha256_finish_ret(&sha, digest);
  mbedtls_sha256_free(&sha);
  return LowerHex({reinterpret_cast<const char*>(digest), sizeof(digest)});
}

std::string Serialize(const mbedtls_ssl_session& session) {
  size_t size = 0;
  (void)mbedtls_ssl_session_save(&session, nullptr, 0, &size);
  std::string bytes(size, '\0');
  if (size == 0 || mbedtls_ssl_session_save(
                       &session, reinterpret_cast<unsigned char*>(bytes.data()),
                       bytes.size(), &size) != 0) {
    return "";
  }
  bytes.resize(size);
  return bytes;
}

// What the server knows a session by: its ticket, else its session ID. The
// rest of a resumed session changes without news (Mbed TLS offers a ticket
// under a fresh random session ID each time), so only this decides whether
// the file needs writing.
std::string IdentityOf(const mbedtls_ssl_session& session) {
  if (session.ticket != nullptr && session.ticket_len > 0) {
    return "ticket:" +
           std::string(reinterpret_cast<const char*>(session.ticket),
                       session.ticket_len);
  }
  return "id:" +
         std::string(reinterpret_cast<const char*>(session.id), session.id_len);
}

bool IsFile(const std::filesystem::path& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec);
}

}  // namespace

std::span<const char* const> SystemCaFiles() { return kCaFiles; }
std::span<const char* const> SystemCaDirs() { return kCaDirs; }

std::string MbedtlsErrorText(int code) {
  char buf[160];
  mbedtls_strerror(code, buf, sizeof(buf));
  return buf;
}

void TlsContext::SessionFree::operator()(mbedtls_ssl_session* s) const {
  mbedtls_ssl_session_free(s);
  delete s;
}

TlsContext::TlsContext() {
  mbedtls_entropy_init(&entropy_);
  mbedtls_ctr_drbg_init(&drbg_);
  mbedtls_x509_crt_init(&ca_);
  mbedtls_ssl_config_init(&config_);
}

TlsContext::~TlsContext() {
  mbedtls_ssl_config_free(&config_);
  mbedtls_x509_crt_free(&ca_);
  mbedtls_ctr_drbg_free(&drbg_);
  mbedtls_entropy_free(&entropy_);
}

Status TlsContext::Finish(std::string source) {
  ca_source_ = std::move(source);
  ca_count_ = CountCerts(ca_);
  if (ca_count_ == 0) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "no CA certificate in " + ca_source_);
  }
  trust_scope_ = TrustScopeOf(ca_);
  static constexpr char kPersonalization[] = "staticship tls client";
  int rc = mbedtls_ctr_drbg_seed(
      &drbg_, mbedtls_entropy_func, &entropy_,
      reinterpret_cast<const unsigned char*>(kPersonalization),
      sizeof(kPersonalization) - 1);
  if (rc != 0) {
    return MakeError(
        ErrorCode::kInternal,
        "[tls] seeding the random generator: " + MbedtlsErrorText(rc));
  }
  rc = mbedtls_ssl_config_defaults(&config_, MBEDTLS_SSL_IS_CLIENT,
                                   MBEDTLS_SSL_TRANSPORT_STREAM,
                                   MBEDTLS_SSL_PRESET_DEFAULT);
  if (rc != 0) {
    return MakeError(ErrorCode::kInternal,
                     "[tls] configuration: " + MbedtlsErrorText(rc));
  }
  // TLS 1.2 is the newest this Mbed TLS speaks; nothing older is accepted.
  mbedtls_ssl_conf_min_version(&config_, MBEDTLS_SSL_MAJOR_VERSION_3,
                               MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_ciphersuites(&config_, kCiphersuites);
  mbedtls_ssl_conf_curves(&config_, kCurves);
  mbedtls_ssl_conf_authmode(&config_, MBEDTLS_SSL_VERIFY_REQUIRED);
  mbedtls_ssl_conf_ca_chain(&config_, &ca_, nullptr);
  mbedtls_ssl_conf_rng(&config_, mbedtls_ctr_drbg_random, &drbg_);
  mbedtls_ssl_conf_session_tickets(&config_,
                                   MBEDTLS_SSL_SESSION_TICKETS_ENABLED);
  return Status::Ok();
}

Result<std::shared_ptr<TlsContext>> TlsContext::FromCaPem(std::string_view pem,
                                                          std::string source) {
  std::shared_ptr<TlsContext> ctx(new TlsContext());
  // Mbed TLS recognises PEM by its terminating NUL.
  std::string text(pem);
  int rc = mbedtls_x509_crt_parse(
      &ctx->ca_, reinterpret_cast<const unsigned char*>(text.c_str()),
      text.size() + 1);
  if (rc < 0) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "no usable CA certificate in " + source + " (" +
                         MbedtlsErrorText(rc) + ")");
  }
  if (rc > 0) {
    return MakeError(ErrorCode::kInvalidArgument,
                     std::to_string(rc) + " of the certificates in " + source +
                         " do not parse");
  }
  Status done = ctx->Finish(std::move(source));
  if (!done.ok()) return done.error();
  return ctx;
}

Result<std::shared_ptr<TlsContext>> TlsContext::FromCaFile(
    const std::filesystem::path& file) {
  Result<std::string> pem = ReadWholeFile(file);
  if (!pem.ok()) {
    return MakeError(ErrorCode::kInvalidArgument, "CA file: " + pem.message());
  }
  return FromCaPem(*pem, file.string());
}

Result<std::shared_ptr<TlsContext>> TlsContext::FromSystemStore(
    const EnvLookup& getenv) {
  if (const char* file = getenv("SSL_CERT_FILE"); file && *file) {
    // Set on purpose: a wrong path must not fall back to other CAs.
    return FromCaFile(file);
  }
  std::shared_ptr<TlsContext> ctx(new TlsContext());
  for (const char* file : kCaFiles) {
    if (!IsFile(file)) continue;
    // A positive return counts certificates Mbed TLS skipped.
    if (mbedtls_x509_crt_parse_file(&ctx->ca_, file) >= 0 &&
        CountCerts(ctx->ca_) > 0) {
      Status done = ctx->Finish(file);
      if (!done.ok()) return done.error();
      return ctx;
    }
  }
  std::vector<std::string> dirs;
  if (const char* env = getenv("SSL_CERT_DIR"); env && *env) {
    std::string_view list(env);
    while (!list.empty()) {
      size_t colon = list.find(':');
      dirs.emplace_back(list.substr(0, colon));
      list = colon == std::string_view::npos ? "" : list.substr(colon + 1);
    }
  } else {
    dirs.assign(std::begin(kCaDirs), std::end(kCaDirs));
  }
  for (const std::string& dir : dirs) {
    if (mbedtls_x509_crt_parse_path(&ctx->ca_, dir.c_str()) >= 0 &&
        CountCerts(ctx->ca_) > 0) {
      Status done = ctx->Finish(dir);
      if (!done.ok()) return done.error();
      return ctx;
    }
  }
  return MakeError(ErrorCode::kFailedPrecondition,
                   "[tls] no system CA certificates (looked for " +
                       std::string(kCaFiles[0]) +
                       " and the other usual places; install "
                       "ca-certificates, set SSL_CERT_FILE or pass a CA "
                       "file)");
}

void TlsContext::PersistSessions(std::filesystem::path file) {
  std::lock_guard<std::mutex> lock(mu_);
  session_file_.reset();
  session_file_loaded_ = false;
  if (!file.empty()) session_file_.emplace(std::move(file));
}

void TlsContext::WarnOnce(const std::string& problem) {
  if (warned_) return;
  warned_ = true;
  std::fprintf(stderr, "warning: [tls] session cache: %s\n", problem.c_str());
}

void TlsContext::LoadSessionFileLocked() {
  session_file_loaded_ = true;
  Result<std::map<std::string, StoredSession>> stored =
      session_file_->Load(trust_scope_, std::time(nullptr));
  if (!stored.ok()) return WarnOnce(stored.message());
  for (auto& [peer, entry] : *stored) {
    if (sessions_.contains(peer)) continue;
    std::unique_ptr<mbedtls_ssl_session, SessionFree> session(
        new mbedtls_ssl_session);
    mbedtls_ssl_session_init(session.get());
    // Another build of Mbed TLS (another shipctl) refuses the format: that
    // peer gets a full handshake.
    if (mbedtls_ssl_session_load(
            session.get(),
            reinterpret_cast<const unsigned char*>(entry.bytes.data()),
            entry.bytes.size()) != 0) {
      continue;
    }
    persisted_[peer] = IdentityOf(*session);
    sessions_[peer] = std::move(session);
  }
}

void TlsContext::SaveSession(const std::string& key,
                             const mbedtls_ssl_context& ssl) {
  std::unique_ptr<mbedtls_ssl_session, SessionFree> session(
      new mbedtls_ssl_session);
  mbedtls_ssl_session_init(session.get());
  if (mbedtls_ssl_get_session(&ssl, session.get()) != 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  std::string identity = IdentityOf(*session);
  // A resumed session without a new ticket is already in the file, with the
  // expiry it had: resuming it does not make it younger.
  if (session_file_.has_value() && persisted_[key] != identity) {
    const std::string bytes = Serialize(*session);
    if (!bytes.empty()) {
      const std::int64_t now = std::time(nullptr);
      std::int64_t lifetime = kMaxStoredSessionSeconds;
      if (session->ticket_lifetime > 0) {
        lifetime = std::min<std::int64_t>(lifetime, session->ticket_lifetime);
      }
      Status stored =
          session_file_->Store(key, trust_scope_, {bytes, now + lifetime}, now);
      if (stored.ok()) {
        persisted_[key] = std::move(identity);
      } else {
        WarnOnce(stored.message());
      }
    }
  }
  sessions_[key] = std::move(session);
}

void TlsContext::OfferSession(const std::string& key,
                              mbedtls_ssl_context* ssl) {
  std::lock_guard<std::mutex> lock(mu_);
  if (session_file_.has_value() && !session_file_loaded_) {
    LoadSessionFileLocked();
  }
  auto it = sessions_.find(key);
  // A server that forgot the session answers with a full handshake.
  if (it != sessions_.end())
    (void)mbedtls_ssl_set_session(ssl, it->second.get());
}

}  // namespace staticship::http
