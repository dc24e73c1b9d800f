// An in-process HTTP/1.1 server on 127.0.0.1 with a kernel-chosen port, for
// tests that play a registry's answers one by one. Every request is recorded
// so a test can assert on what the client sent.
#ifndef STATICSHIP_RELEASE_REGISTRY_TESTING_FAKE_HTTP_SERVER_H_
#define STATICSHIP_RELEASE_REGISTRY_TESTING_FAKE_HTTP_SERVER_H_

#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/base/unique_fd.h"

namespace staticship::registry::testing {

struct FakeRequest {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  std::string Header(const std::string& name) const;  // "" when absent
  std::string Path() const { return target.substr(0, target.find('?')); }
  std::string Query() const;
};

struct FakeResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool close_connection = false;
  bool drop_without_answer = false;  // close the socket instead of answering
};

class FakeHttpServer {
 public:
  using Handler = std::function<FakeResponse(const FakeRequest&)>;

  explicit FakeHttpServer(Handler handler);
  ~FakeHttpServer();
  FakeHttpServer(const FakeHttpServer&) = delete;
  FakeHttpServer& operator=(const FakeHttpServer&) = delete;

  int port() const { return port_; }
  std::string authority() const { return "127.0.0.1:" + std::to_string(port_); }
  std::vector<FakeRequest> requests() const;

 private:
  void AcceptLoop();
  void Serve(UniqueFd connection);

  Handler handler_;
  UniqueFd listener_;
  UniqueFd stop_read_;
  UniqueFd stop_write_;
  int port_ = 0;
  mutable std::mutex mutex_;
  std::vector<FakeRequest> requests_;
  std::vector<std::thread> workers_;
  std::thread acceptor_;
};

}  // namespace staticship::registry::testing

#endif  // STATICSHIP_RELEASE_REGISTRY_TESTING_FAKE_HTTP_SERVER_H_
