// A TLS 1.2 client connection (Mbed TLS) over a non-blocking socket, with
// the same deadlines as plain TCP: every WANT_READ/WANT_WRITE of Mbed TLS
// becomes a poll() bounded by the caller's deadline.
//
// The handshake verifies the server's chain against the context's CAs, its
// validity dates, and its name: a DNS name through Mbed TLS (SAN dNSName,
// wildcards), an IP address against the SAN iPAddress entries (which this
// Mbed TLS does not check itself). A failure is one line naming the host
// and the reason:
//   [tls] certificate for 127.0.0.1 expired 2021-01-01
//   [tls] certificate for 127.0.0.1 not trusted (unknown CA "CN=Other CA";
//   trusted: ca.pem) [tls] certificate for 127.0.0.1: name mismatch (it is for
//   registry.invalid) [tls] 127.0.0.1:5000 answered plain http, not TLS
#ifndef STATICSHIP_COMMON_HTTP_TLS_STREAM_H_
#define STATICSHIP_COMMON_HTTP_TLS_STREAM_H_

#include <mbedtls/ssl.h>

#include <memory>
#include <string>

#include "common/http/stream.h"
#include "common/http/tls_context.h"

namespace staticship::http {

class TlsStream : public Stream {
 public:
  // Handshakes over a connected socket. Verification failures are
  // kUnauthenticated and a plain-http peer kFailedPrecondition (neither is
  // worth a retry); I/O failures keep kUnavailable/kDeadlineExceeded.
  static Result<std::unique_ptr<TlsStream>> Handshake(
      UniqueFd fd, std::shared_ptr<TlsContext> context, const std::string& host,
      uint16_t port, Clock::time_point deadline);

  ~TlsStream() override;
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;

  int fd() const override { return fd_.get(); }
  Status WriteAll(std::string_view data, Clock::time_point deadline) override;
  Result<size_t> Read(char* buf, size_t size,
                      Clock::time_point deadline) override;

  // The negotiated suite, e.g. "TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256".
  std::string ciphersuite() const;
  // Whether the handshake resumed a session (no key exchange, no chain).
  bool resumed() const { return resumed_; }

 private:
  TlsStream(UniqueFd fd, std::shared_ptr<TlsContext> context);
  static int SendCallback(void* self, const unsigned char* buf, size_t len);
  static int RecvCallback(void* self, unsigned char* buf, size_t len);
  // Waits for what Mbed TLS asked for (WANT_READ or WANT_WRITE).
  bool WaitForWant(int want, Clock::time_point deadline) const;

  UniqueFd fd_;
  std::shared_ptr<TlsContext> context_;
  mbedtls_ssl_context ssl_;
  int socket_errno_ = 0;     // of the last failed send/recv
  std::string first_bytes_;  // the peer's first bytes, to recognise http
  bool handshake_done_ = false;
  bool resumed_ = false;
};

}  // namespace staticship::http

#endif  // STATICSHIP_COMMON_HTTP_TLS_STREAM_H_
