// Command-line flags. Every mistake is reported before the server listens.
#ifndef STATICSHIP_SERVICES_SCHEDULER_FLAGS_H_
#define STATICSHIP_SERVICES_SCHEDULER_FLAGS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "common/base/result.h"

namespace staticship::scheduler {

struct Flags {
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 8090;
  std::string data_dir;
  int workers = 200;
  std::string zones_file;
  bool version = false;
  bool help = false;
  // Off only for measuring the cost of durability.
  bool fsync = true;
  // Written with the bound port once listening (tests use --listen :0).
  std::string port_file;
  int http_threads = 2;
  uint64_t compact_after_bytes = 64ull << 20;
  int drain_grace_ms = 10000;
  // Finished tasks (succeeded, failed, dead, ...) are kept this long for
  // GET and idempotency, then forgotten, so the snapshot and memory do not
  // grow with every task ever accepted. 0 keeps them forever.
  int64_t retain_finished_seconds = 24 * 3600;
  // Shared store mode: etcd client URLs, comma-separated; --data-dir is
  // then not needed (and refused: tasks live in one store or the other).
  std::string etcd_endpoints;
  std::string etcd_prefix = "/staticship/scheduler/";
  // How long the tasks of an instance that died stay claimed; shorter means
  // faster takeover but more keepalive traffic and less slack for pauses.
  int etcd_lease_ttl_seconds = 5;
  // Zones also from <etcd-prefix>zones/<id>, watched and applied live, on
  // top of --zones (etcd mode only).
  bool zones_from_etcd = false;
  // A game server is ejected after this many failed dispatches in a row
  // (0: never), for eject_base_ms doubling per ejection in a row up to
  // eject_max_ms.
  int eject_after_failures = 5;
  int64_t eject_base_ms = 10000;
  int64_t eject_max_ms = 300000;
  // How long a task that hashes to another live instance waits before this
  // one helps with that instance's share: it may be dead (its lease not yet
  // expired), stuck or full (etcd_view.h).
  int etcd_steal_after_ms = 500;
  // The admin listener (common/diagnostics: /debug/pprof/profile,
  // /debug/threads, /debug/vars, /debug/trace); none unless given.
  bool admin_listen = false;
  std::string admin_listen_host;
  uint16_t admin_listen_port = 0;
};

Result<Flags> ParseFlags(const std::vector<std::string>& args);
std::string FlagsUsage();

}  // namespace staticship::scheduler

#endif  // STATICSHIP_SERVICES_SCHEDULER_FLAGS_H_
