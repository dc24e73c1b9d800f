// Real etcd members on loopback for integration tests: temporary data dirs,
// kernel-chosen free ports, started and stopped by the test.
//
//   EtcdCluster etcd(dir, 3);          // three members, one cluster
//   etcd.Start();  etcd.WaitHealthy(10s);
//   etcd.Kill(0);  etcd.Restart(0);    // kill -9 / start again, same data
//   etcd.endpoints();                  // "http://127.0.0.1:p1,http://...:p2"
#ifndef STATICSHIP_SERVICES_SCHEDULER_TESTING_ETCD_CLUSTER_H_
#define STATICSHIP_SERVICES_SCHEDULER_TESTING_ETCD_CLUSTER_H_

#include <signal.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/http/client.h"
#include "common/testing/child_process.h"
#include "common/testing/ports.h"

namespace staticship::scheduler::testing {

class EtcdCluster {
 public:
  EtcdCluster(std::string dir, int members, std::string binary = "etcd")
      : dir_(std::move(dir)), binary_(std::move(binary)) {
    for (int i = 0; i < members; ++i) {
      client_ports_.push_back(staticship::testing::FreePort());
      peer_ports_.push_back(staticship::testing::FreePort());
    }
    procs_.resize(members);
    for (int i = 0; i < members; ++i) {
      if (!initial_cluster_.empty()) initial_cluster_ += ',';
      initial_cluster_ +=
          Name(i) + "=http://127.0.0.1:" + std::to_string(peer_ports_[i]);
    }
  }

  void Start() {
    for (size_t i = 0; i < procs_.size(); ++i) Restart(static_cast<int>(i));
  }
  // Starts member i (again), on the same data dir and ports.
  void Restart(int i) {
    std::string client = "http://127.0.0.1:" + std::to_string(client_ports_[i]);
    std::string peer = "http://127.0.0.1:" + std::to_string(peer_ports_[i]);
    procs_[i] = std::make_unique<staticship::testing::ChildProcess>(
        std::vector<std::string>{
            binary_, "--name", Name(i), "--data-dir",
            dir_ + "/" + Name(i) + ".etcd", "--listen-client-urls", client,
            "--advertise-client-urls", client, "--listen-peer-urls", peer,
            "--initial-advertise-peer-urls", peer, "--initial-cluster",
            initial_cluster_, "--initial-cluster-state", "new",
            "--initial-cluster-token", "staticship-test",
            // Quick elections keep a stopped member's absence short.
            "--heartbeat-interval", "50", "--election-timeout", "500"},
        dir_ + "/" + Name(i) + ".log");
  }
  void Kill(int i) { procs_[i].reset(); }
  void Pause(int i) { procs_[i]->Signal(SIGSTOP); }
  void Resume(int i) { procs_[i]->Signal(SIGCONT); }

  int client_port(int i) const { return client_ports_[i]; }
  std::string url(int i) const {
    return "http://127.0.0.1:" + std::to_string(client_ports_[i]);
  }
  std::string endpoints() const {
    std::string out;
    for (size_t i = 0; i < client_ports_.size(); ++i) {
      if (!out.empty()) out += ',';
      out += url(static_cast<int>(i));
    }
    return out;
  }

  // Until every running member answers a linearizable read.
  bool WaitHealthy(std::chrono::milliseconds limit) const {
    http::ClientOptions options;
    options.timeout = std::chrono::milliseconds(1000);
    http::Client client(options);
    auto end = std::chrono::steady_clock::now() + limit;
    for (size_t i = 0; i < procs_.size(); ++i) {
      if (!procs_[i]) continue;
      for (;;) {
        auto r = client.Post(url(static_cast<int>(i)) + "/v3/kv/range",
                             R"({"key":"AA=="})", "application/json");
        if (r.ok() && r->status == 200) break;
        if (std::chrono::steady_clock::now() > end) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
    return true;
  }

 private:
  static std::string Name(int i) { return "m" + std::to_string(i); }

  std::string dir_;
  std::string binary_;
  std::vector<int> client_ports_;
  std::vector<int> peer_ports_;
  std::string initial_cluster_;
  std::vector<std::unique_ptr<staticship::testing::ChildProcess>> procs_;
};

}  // namespace staticship::scheduler::testing

#endif  // STATICSHIP_SERVICES_SCHEDULER_TESTING_ETCD_CLUSTER_H_
