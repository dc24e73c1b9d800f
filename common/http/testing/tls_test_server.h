// Test-only HTTPS server on 127.0.0.1 (Mbed TLS, a thread per connection):
// answers every request with 200 and "METHOD TARGET BODY_BYTES", keeps
// connections alive, and counts connections and full and resumed
// handshakes (it keeps a session cache, so a client that offers a session
// resumes it).
#ifndef STATICSHIP_COMMON_HTTP_TESTING_TLS_TEST_SERVER_H_
#define STATICSHIP_COMMON_HTTP_TESTING_TLS_TEST_SERVER_H_

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/base/result.h"
#include "common/http/testing/test_pki.h"
#include "common/testing/ports.h"

namespace staticship::testing {

class TlsTestServer {
 public:
  static Result<std::unique_ptr<TlsTestServer>> Start(const KeyAndCert& cert);
  ~TlsTestServer();

  uint16_t port() const { return listener_.port; }
  int connections() const { return connections_; }
  int full_handshakes() const { return full_handshakes_; }
  int resumed_handshakes() const { return resumed_handshakes_; }
  int failed_handshakes() const { return failed_handshakes_; }

  struct Impl;

 private:
  TlsTestServer() = default;
  void AcceptLoop();
  void Serve(int fd);

  Listener listener_;
  std::unique_ptr<Impl> impl_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::atomic<int> full_handshakes_{0};
  std::atomic<int> resumed_handshakes_{0};
  std::atomic<int> failed_handshakes_{0};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<std::thread> workers_;
  std::vector<int> open_fds_;
};

}  // namespace staticship::testing

#endif  // STATICSHIP_COMMON_HTTP_TESTING_TLS_TEST_SERVER_H_
