#include "common/http/tls_stream.h"

#include <arpa/inet.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/oid.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace staticship::http {
namespace {

constexpr unsigned char kSanIpAddress = 7;  // GeneralName [7] iPAddress

// What the verify callback saw, for a message better than a flag list.
struct VerifyNotes {
  bool called = false;  // never, when the handshake resumed a session
  std::string host;
  std::string ip;  // 4 or 16 bytes when host is an IP address
  std::string expired_on;
  std::string valid_from;
  std::string untrusted_issuer;
  std::vector<std::string> leaf_names;
};

std::string FormatDate(const mbedtls_x509_time& t) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02d", t.year, t.mon, t.day);
  return buf;
}

std::string NameOf(const mbedtls_x509_name& dn) {
  char buf[512];
  if (mbedtls_x509_dn_gets(buf, sizeof(buf), &dn) < 0) return "?";
  return buf;
}

// The names a certificate is for: SAN dNSName and iPAddress entries, or
// the subject CN when it has no SAN.
std::vector<std::string> NamesOf(const mbedtls_x509_crt& crt) {
  std::vector<std::string> names;
  if (crt.ext_types & MBEDTLS_X509_EXT_SUBJECT_ALT_NAME) {
    for (const mbedtls_x509_sequence* s = &crt.subject_alt_names; s != nullptr;
         s = s->next) {
      const unsigned char type = s->buf.tag & MBEDTLS_ASN1_TAG_VALUE_MASK;
      if (type == MBEDTLS_X509_SAN_DNS_NAME) {
        names.emplace_back(reinterpret_cast<const char*>(s->buf.p), s->buf.len);
      } else if (type == kSanIpAddress &&
                 (s->buf.len == 4 || s->buf.len == 16)) {
        char text[INET6_ADDRSTRLEN];
        if (::inet_ntop(s->buf.len == 4 ? AF_INET : AF_INET6, s->buf.p, text,
                        sizeof(text)) != nullptr) {
          names.emplace_back(text);
        }
      }
    }
    return names;
  }
  for (const mbedtls_x509_name* n = &crt.subject; n != nullptr; n = n->next) {
    if (MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &n->oid) == 0) {
      names.emplace_back(reinterpret_cast<const char*>(n->val.p), n->val.len);
    }
  }
  return names;
}

bool HasIpSan(const mbedtls_x509_crt& crt, const std::string& ip) {
  if (!(crt.ext_types & MBEDTLS_X509_EXT_SUBJECT_ALT_NAME)) return false;
  for (const mbedtls_x509_sequence* s = &crt.subject_alt_names; s != nullptr;
       s = s->next) {
    if ((s->buf.tag & MBEDTLS_ASN1_TAG_VALUE_MASK) == kSanIpAddress &&
        s->buf.len == ip.size() &&
        std::memcmp(s->buf.p, ip.data(), ip.size()) == 0) {
      return true;
    }
  }
  return false;
}

// Called for each certificate of the chain, root first; the flags it
// leaves decide the handshake, so returning 0 keeps Mbed TLS's verdict.
int VerifyCallback(void* data, mbedtls_x509_crt* crt, int depth,
                   uint32_t* flags) {
  auto* notes = static_cast<VerifyNotes*>(data);
  notes->called = true;
  if (depth == 0) {
    notes->leaf_names = NamesOf(*crt);
    if (!notes->ip.empty() && !HasIpSan(*crt, notes->ip)) {
      *flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
    }
  }
  if ((*flags & MBEDTLS_X509_BADCERT_EXPIRED) && notes->expired_on.empty()) {
    notes->expired_on = FormatDate(crt->valid_to);
  }
  if ((*flags & MBEDTLS_X509_BADCERT_FUTURE) && notes->valid_from.empty()) {
    notes->valid_from = FormatDate(crt->valid_from);
  }
  if ((*flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) &&
      notes->untrusted_issuer.empty()) {
    notes->untrusted_issuer = NameOf(crt->issuer);
  }
  return 0;
}

std::string Join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "no name" : out;
}

Error VerifyError(uint32_t flags, const VerifyNotes& notes,
                  const TlsContext& context) {
  const std::string what = "certificate for " + notes.host;
  auto fail = [](std::string message) {
    return TaggedError(ErrorCode::kUnauthenticated, "tls", std::move(message));
  };
  if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) {
    return fail(what + " not trusted (unknown CA \"" + notes.untrusted_issuer +
                "\"; trusted: " + context.ca_source() + ")");
  }
  if (flags & MBEDTLS_X509_BADCERT_EXPIRED) {
    return fail(what + " expired " + notes.expired_on);
  }
  if (flags & MBEDTLS_X509_BADCERT_FUTURE) {
    return fail(what + " is not valid before " + notes.valid_from);
  }
  if (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) {
    return fail(what + ": name mismatch (it is for " + Join(notes.leaf_names) +
                ")");
  }
  char info[512];
  int n = mbedtls_x509_crt_verify_info(info, sizeof(info), "", flags);
  std::string text = n > 0 ? std::string(info, static_cast<size_t>(n)) : "";
  for (char& c : text) {
    if (c == '\n') c = ';';
  }
  while (!text.empty() && (text.back() == ';' || text.back() == ' ')) {
    text.pop_back();
  }
  return fail(what + " rejected: " + text);
}

}  // namespace

TlsStream::TlsStream(UniqueFd fd, std::shared_ptr<TlsContext> context)
    : fd_(std::move(fd)), context_(std::move(context)) {
  mbedtls_ssl_init(&ssl_);
}

TlsStream::~TlsStream() {
  // A courtesy to the server; a full send buffer just skips it.
  if (handshake_done_) (void)mbedtls_ssl_close_notify(&ssl_);
  mbedtls_ssl_free(&ssl_);
}

int TlsStream::SendCallback(void* data, const unsigned char* buf, size_t len) {
  auto* self = static_cast<TlsStream*>(data);
  ssize_t n = ::send(self->fd_.get(), buf, len, MSG_NOSIGNAL);
  if (n >= 0) return static_cast<int>(n);
  self->socket_errno_ = errno;
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
    return MBEDTLS_ERR_SSL_WANT_WRITE;
  }
  if (errno == EPIPE || errno == ECONNRESET) return MBEDTLS_ERR_NET_CONN_RESET;
  return MBEDTLS_ERR_NET_SEND_FAILED;
}

int TlsStream::RecvCallback(void* data, unsigned char* buf, size_t len) {
  auto* self = static_cast<TlsStream*>(data);
  ssize_t n = ::recv(self->fd_.get(), buf, len, 0);
  if (n > 0) {
    if (!self->handshake_done_ && self->first_bytes_.size() < 5) {
      size_t want = std::min<size_t>(5 - self->first_bytes_.size(), n);
      self->first_bytes_.append(reinterpret_cast<const char*>(buf), want);
    }
    return static_cast<int>(n);
  }
  if (n == 0) return 0;
  self->socket_errno_ = errno;
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
    return MBEDTLS_ERR_SSL_WANT_READ;
  }
  if (errno == ECONNRESET) return MBEDTLS_ERR_NET_CONN_RESET;
  return MBEDTLS_ERR_NET_RECV_FAILED;
}

bool TlsStream::WaitForWant(int want, Clock::time_point deadline) const {
  return WaitFor(fd_.get(),
                 want == MBEDTLS_ERR_SSL_WANT_WRITE ? POLLOUT : POLLIN,
                 deadline);
}

Result<std::unique_ptr<TlsStream>> TlsStream::Handshake(
    UniqueFd fd, std::shared_ptr<TlsContext> context, const std::string& host,
    uint16_t port, Clock::time_point deadline) {
  const std::string peer =
      (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
      std::to_string(port);
  std::unique_ptr<TlsStream> stream(
      new TlsStream(std::move(fd), std::move(context)));
  mbedtls_ssl_context* ssl = &stream->ssl_;
  int rc = mbedtls_ssl_setup(ssl, stream->context_->config());
  if (rc != 0) {
    return MakeError(ErrorCode::kInternal,
                     "[tls] setup: " + MbedtlsErrorText(rc));
  }
  VerifyNotes notes;
  notes.host = host;
  unsigned char ip[16];
  if (::inet_pton(AF_INET, host.c_str(), ip) == 1) {
    notes.ip.assign(reinterpret_cast<const char*>(ip), 4);
  } else if (::inet_pton(AF_INET6, host.c_str(), ip) == 1) {
    notes.ip.assign(reinterpret_cast<const char*>(ip), 16);
  } else {
    // SNI and the DNS-name check; an IP address is checked by
    // VerifyCallback and never sent as SNI (RFC 6066, section 3).
    rc = mbedtls_ssl_set_hostname(ssl, host.c_str());
    if (rc != 0) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "[tls] host name " + host + ": " + MbedtlsErrorText(rc));
    }
  }
  mbedtls_ssl_set_bio(ssl, stream.get(), SendCallback, RecvCallback, nullptr);
  mbedtls_ssl_set_verify(ssl, VerifyCallback, &notes);
  stream->context_->OfferSession(peer, ssl);
  while ((rc = mbedtls_ssl_handshake(ssl)) != 0) {
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
      if (!stream->WaitForWant(rc, deadline)) {
        // A plain-http server may sit waiting for a request line.
        return TimeoutError("TLS handshake with " + peer +
                            (stream->first_bytes_.empty()
                                 ? " (no answer to the TLS hello)"
                                 : ""));
      }
      continue;
    }
    break;
  }
  // notes lives on this stack; no later handshake may call back into it.
  mbedtls_ssl_set_verify(ssl, nullptr, nullptr);
  if (rc == 0) {
    stream->handshake_done_ = true;
    stream->resumed_ = !notes.called;
    stream->context_->SaveSession(peer, *ssl);
    return stream;
  }
  if (stream->first_bytes_.starts_with("HTTP/")) {
    return TaggedError(ErrorCode::kFailedPrecondition, "tls",
                       peer +
                           " answered plain http, not TLS (an http-only "
                           "server: no https there)");
  }
  if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
    return VerifyError(mbedtls_ssl_get_verify_result(ssl), notes,
                       *stream->context_);
  }
  if (rc == MBEDTLS_ERR_NET_CONN_RESET || rc == MBEDTLS_ERR_SSL_CONN_EOF ||
      rc == MBEDTLS_ERR_NET_RECV_FAILED || rc == MBEDTLS_ERR_NET_SEND_FAILED) {
    const int err = stream->socket_errno_;
    return UnavailableError("reset",
                            "TLS handshake with " + peer + ": " +
                                (err != 0 ? std::string(std::strerror(err))
                                          : std::string("connection closed")));
  }
  return TaggedError(
      ErrorCode::kFailedPrecondition, "tls",
      "handshake with " + peer + " failed: " + MbedtlsErrorText(rc));
}

Status TlsStream::WriteAll(std::string_view data, Clock::time_point deadline) {
  while (!data.empty()) {
    int rc = mbedtls_ssl_write(
        &ssl_, reinterpret_cast<const unsigned char*>(data.data()),
        data.size());
    if (rc > 0) {
      data.remove_prefix(static_cast<size_t>(rc));
      continue;
    }
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
      if (!WaitForWant(rc, deadline)) return TimeoutError("sending request");
      continue;
    }
    if (rc == MBEDTLS_ERR_NET_CONN_RESET || rc == MBEDTLS_ERR_NET_SEND_FAILED) {
      return UnavailableError(
          "reset", std::string("send: ") + std::strerror(socket_errno_));
    }
    return UnavailableError("tls", "sending: " + MbedtlsErrorText(rc));
  }
  return Status::Ok();
}

Result<size_t> TlsStream::Read(char* buf, size_t size,
                               Clock::time_point deadline) {
  while (true) {
    // Decrypted bytes may already be buffered: read before any poll().
    int rc =
        mbedtls_ssl_read(&ssl_, reinterpret_cast<unsigned char*>(buf), size);
    if (rc > 0) return static_cast<size_t>(rc);
    if (rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY ||
        rc == MBEDTLS_ERR_NET_CONN_RESET) {
      return size_t{0};
    }
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
      if (!WaitForWant(rc, deadline)) return TimeoutError("waiting to read");
      continue;
    }
    if (rc == MBEDTLS_ERR_NET_RECV_FAILED) {
      return UnavailableError(
          "reset", std::string("recv: ") + std::strerror(socket_errno_));
    }
    return UnavailableError("tls", "reading: " + MbedtlsErrorText(rc));
  }
}

std::string TlsStream::ciphersuite() const {
  return mbedtls_ssl_get_ciphersuite(&ssl_);
}

}  // namespace staticship::http
