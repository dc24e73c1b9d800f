#include "common/http/testing/tls_test_server.h"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_cache.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

namespace staticship::testing {

struct TlsTestServer::Impl {
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  mbedtls_x509_crt cert;
  mbedtls_pk_context key;
  mbedtls_ssl_config config;
  mbedtls_ssl_cache_context cache;
  TlsTestServer* owner = nullptr;

  Impl() {
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_x509_crt_init(&cert);
    mbedtls_pk_init(&key);
    mbedtls_ssl_config_init(&config);
    mbedtls_ssl_cache_init(&cache);
  }
  ~Impl() {
    mbedtls_ssl_cache_free(&cache);
    mbedtls_ssl_config_free(&config);
    mbedtls_pk_free(&key);
    mbedtls_x509_crt_free(&cert);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
  }

  // A cache hit is a resumed handshake.
  static int GetSession(void* data, mbedtls_ssl_session* session) {
    auto* self = static_cast<Impl*>(data);
    int rc = mbedtls_ssl_cache_get(&self->cache, session);
    if (rc == 0) ++self->owner->resumed_handshakes_;
    return rc;
  }
  static int SetSession(void* data, const mbedtls_ssl_session* session) {
    return mbedtls_ssl_cache_set(&static_cast<Impl*>(data)->cache, session);
  }
};

Result<std::unique_ptr<TlsTestServer>> TlsTestServer::Start(
    const KeyAndCert& cert) {
  std::unique_ptr<TlsTestServer> server(new TlsTestServer());
  server->impl_ = std::make_unique<Impl>();
  Impl& impl = *server->impl_;
  impl.owner = server.get();
  int rc = mbedtls_ctr_drbg_seed(&impl.drbg, mbedtls_entropy_func,
                                 &impl.entropy, nullptr, 0);
  if (rc == 0) {
    rc = mbedtls_x509_crt_parse(
        &impl.cert,
        reinterpret_cast<const unsigned char*>(cert.cert_pem.c_str()),
        cert.cert_pem.size() + 1);
  }
  if (rc == 0) {
    rc = mbedtls_pk_parse_key(
        &impl.key, reinterpret_cast<const unsigned char*>(cert.key_pem.c_str()),
        cert.key_pem.size() + 1, nullptr, 0);
  }
  if (rc == 0) {
    rc = mbedtls_ssl_config_defaults(&impl.config, MBEDTLS_SSL_IS_SERVER,
                                     MBEDTLS_SSL_TRANSPORT_STREAM,
                                     MBEDTLS_SSL_PRESET_DEFAULT);
  }
  if (rc == 0)
    rc = mbedtls_ssl_conf_own_cert(&impl.config, &impl.cert, &impl.key);
  if (rc != 0) {
    char buf[160];
    mbedtls_strerror(rc, buf, sizeof(buf));
    return MakeError(std::string("tls test server: ") + buf);
  }
  mbedtls_ssl_conf_rng(&impl.config, mbedtls_ctr_drbg_random, &impl.drbg);
  // The server's own order decides in Mbed TLS: AES-GCM if offered.
  static constexpr int kSuites[] = {
      MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
      MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, 0};
  mbedtls_ssl_conf_ciphersuites(&impl.config, kSuites);
  mbedtls_ssl_conf_session_cache(&impl.config, &impl, Impl::GetSession,
                                 Impl::SetSession);
  Result<Listener> listener = ListenOnLoopback(16);
  if (!listener.ok()) return listener.error();
  server->listener_ = std::move(*listener);
  server->acceptor_ = std::thread([s = server.get()] { s->AcceptLoop(); });
  return server;
}

TlsTestServer::~TlsTestServer() {
  stopping_ = true;
  ::shutdown(listener_.fd.get(), SHUT_RDWR);
  acceptor_.join();
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
  }
  for (std::thread& t : workers_) t.join();
}

void TlsTestServer::AcceptLoop() {
  while (!stopping_) {
    int fd = ::accept(listener_.fd.get(), nullptr, nullptr);
    if (fd < 0) return;
    ++connections_;
    std::lock_guard<std::mutex> lock(mu_);
    open_fds_.push_back(fd);
    workers_.emplace_back([this, fd] { Serve(fd); });
  }
}

namespace {

// mbedtls_net_send uses write(): a client that hangs up after rejecting
// the certificate would kill the test with SIGPIPE.
int SendNoSignal(void* data, const unsigned char* buf, size_t len) {
  ssize_t n = ::send(*static_cast<int*>(data), buf, len, MSG_NOSIGNAL);
  return n >= 0 ? static_cast<int>(n) : MBEDTLS_ERR_NET_SEND_FAILED;
}

int Recv(void* data, unsigned char* buf, size_t len) {
  ssize_t n = ::recv(*static_cast<int*>(data), buf, len, 0);
  return n >= 0 ? static_cast<int>(n) : MBEDTLS_ERR_NET_RECV_FAILED;
}

}  // namespace

void TlsTestServer::Serve(int fd) {
  mbedtls_ssl_context ssl;
  mbedtls_ssl_init(&ssl);
  mbedtls_ssl_setup(&ssl, &impl_->config);
  mbedtls_ssl_set_bio(&ssl, &fd, SendNoSignal, Recv, nullptr);
  const int resumed_before = resumed_handshakes_;
  int rc = mbedtls_ssl_handshake(&ssl);
  if (rc != 0) {
    ++failed_handshakes_;
  } else {
    if (resumed_handshakes_ == resumed_before) ++full_handshakes_;
    std::string in;
    unsigned char buf[16384];
    while (true) {
      size_t head_end = in.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        std::string head = in.substr(0, head_end);
        size_t body = 0;
        size_t cl = head.find("Content-Length: ");
        if (cl != std::string::npos)
          body = std::strtoul(head.c_str() + cl + 16, nullptr, 10);
        if (in.size() >= head_end + 4 + body) {
          size_t sp1 = head.find(' ');
          size_t sp2 = head.find(' ', sp1 + 1);
          std::string text = head.substr(0, sp1) + " " +
                             head.substr(sp1 + 1, sp2 - sp1 - 1) + " " +
                             std::to_string(body);
          std::string reply = "HTTP/1.1 200 OK\r\nContent-Length: " +
                              std::to_string(text.size()) + "\r\n\r\n" + text;
          in.erase(0, head_end + 4 + body);
          const unsigned char* p =
              reinterpret_cast<const unsigned char*>(reply.data());
          size_t left = reply.size();
          while (left > 0) {
            int n = mbedtls_ssl_write(&ssl, p, left);
            if (n <= 0) break;
            p += n;
            left -= static_cast<size_t>(n);
          }
          continue;
        }
      }
      int n = mbedtls_ssl_read(&ssl, buf, sizeof(buf));
      if (n <= 0) break;
      in.append(reinterpret_cast<char*>(buf), static_cast<size_t>(n));
    }
  }
  mbedtls_ssl_free(&ssl);
  std::lock_guard<std::mutex> lock(mu_);
  open_fds_.erase(std::remove(open_fds_.begin(), open_fds_.end(), fd),
                  open_fds_.end());
  ::close(fd);
}

}  // namespace staticship::testing
