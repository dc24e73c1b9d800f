#include "services/scheduler/flags.h"

#include <charconv>
#include <optional>
#include <type_traits>

#include "common/base/flags.h"

namespace staticship::scheduler {
namespace {

Result<int64_t> ParseInt(const std::string& flag, const std::string& value,
                         int64_t lo, int64_t hi) {
  int64_t n = 0;
  auto [ptr, ec] =
      std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || ptr != value.data() + value.size() || n < lo ||
      n > hi) {
    return MakeError(flag + ": '" + value + "' is not an integer in [" +
                     std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  return n;
}

// "HOST:PORT", "[::1]:PORT" or ":PORT" (every address) into host and port.
Status ParseListen(const std::string& flag, const std::string& value,
                   std::string* host, uint16_t* port) {
  size_t colon = value.rfind(':');
  if (colon == std::string::npos) {
    return MakeError(flag + ": '" + value + "' is not HOST:PORT");
  }
  auto number = ParseInt(flag + " port", value.substr(colon + 1), 0, 65535);
  if (!number.ok()) return number.error();
  *host = value.substr(0, colon);
  if (host->size() >= 2 && host->front() == '[') {
    *host = host->substr(1, host->size() - 2);
  }
  if (host->empty()) *host = "0.0.0.0";
  *port = static_cast<uint16_t>(*number);
  return Status::Ok();
}

}  // namespace

std::string FlagsUsage() {
  return "usage: scheduler --data-dir DIR [--listen HOST:PORT] [--workers N]\n"
         "                 [--zones FILE] [--fsync on|off] [--port-file FILE]\n"
         "                 [--http-threads N] [--compact-after-bytes N]\n"
         "                 [--drain-grace-ms N] [--admin-listen HOST:PORT]\n"
         "                 [--retain-finished-seconds N (default 86400)] "
         "[--version]\n"
         "       scheduler --etcd http://HOST:PORT[,...] [--etcd-prefix P]\n"
         "                 [--etcd-lease-ttl SECONDS] [--etcd-steal-after-ms "
         "MS]\n"
         "                 [--zones-from-etcd] [--listen ...] ...\n"
         "       game server ejection: [--eject-after-failures N (default 5, "
         "0: never)]\n"
         "                 [--eject-base-ms N (default 10000)] "
         "[--eject-max-ms N (default 300000)]\n";
}

Result<Flags> ParseFlags(const std::vector<std::string>& args) {
  // "-h" is the one short spelling an operator expects of a server.
  std::vector<std::string> spelt(args);
  for (std::string& arg : spelt) {
    if (arg == "-h") arg = "--help";
  }
  Result<staticship::Flags> parsed = staticship::Flags::Parse(
      spelt, {.values = {"listen", "data-dir", "workers", "zones", "fsync",
                         "port-file", "http-threads", "compact-after-bytes",
                         "drain-grace-ms", "retain-finished-seconds", "etcd",
                         "etcd-prefix", "etcd-lease-ttl", "etcd-steal-after-ms",
                         "admin-listen", "eject-after-failures",
                         "eject-base-ms", "eject-max-ms"},
              .switches = {"version", "help", "zones-from-etcd"}});
  if (!parsed.ok()) return parsed.error();
  Flags flags;
  flags.version = parsed->GetBool("version");
  flags.help = parsed->GetBool("help");
  // Each value in [lo, hi], or an error naming the flag.
  auto integer = [&parsed](const char* name, int64_t lo, int64_t hi,
                           auto* out) -> Status {
    std::optional<std::string> value = parsed->Get(name);
    if (!value) return Status::Ok();
    auto n = ParseInt(std::string("--") + name, *value, lo, hi);
    if (!n.ok()) return n.error();
    *out = static_cast<std::remove_pointer_t<decltype(out)>>(*n);
    return Status::Ok();
  };
  if (std::optional<std::string> value = parsed->Get("listen")) {
    if (Status s = ParseListen("--listen", *value, &flags.listen_host,
                               &flags.listen_port);
        !s.ok()) {
      return s.error();
    }
  }
  if (std::optional<std::string> value = parsed->Get("admin-listen")) {
    if (Status s =
            ParseListen("--admin-listen", *value, &flags.admin_listen_host,
                        &flags.admin_listen_port);
        !s.ok()) {
      return s.error();
    }
    flags.admin_listen = true;
  }
  if (std::optional<std::string> value = parsed->Get("data-dir")) {
    if (value->empty()) return MakeError("--data-dir must not be empty");
    flags.data_dir = *value;
  }
  if (Status s = integer("workers", 1, 10000, &flags.workers); !s.ok()) {
    return s.error();
  }
  flags.zones_file = parsed->GetOr("zones", flags.zones_file);
  if (std::optional<std::string> value = parsed->Get("fsync")) {
    if (*value != "on" && *value != "off") {
      return MakeError("--fsync: '" + *value + "' is neither on nor off");
    }
    flags.fsync = *value == "on";
  }
  flags.port_file = parsed->GetOr("port-file", flags.port_file);
  if (Status s = integer("http-threads", 1, 64, &flags.http_threads); !s.ok()) {
    return s.error();
  }
  if (Status s = integer("compact-after-bytes", 4096, int64_t{1} << 40,
                         &flags.compact_after_bytes);
      !s.ok()) {
    return s.error();
  }
  if (Status s =
          integer("retain-finished-seconds", 0, int64_t{10} * 365 * 24 * 3600,
                  &flags.retain_finished_seconds);
      !s.ok()) {
    return s.error();
  }
  if (Status s = integer("drain-grace-ms", 0, 600000, &flags.drain_grace_ms);
      !s.ok()) {
    return s.error();
  }
  if (std::optional<std::string> value = parsed->Get("etcd")) {
    if (value->empty()) return MakeError("--etcd must not be empty");
    flags.etcd_endpoints = *value;
  }
  if (std::optional<std::string> value = parsed->Get("etcd-prefix")) {
    if (value->empty() || value->back() != '/') {
      return MakeError("--etcd-prefix: '" + *value + "' must end with '/'");
    }
    flags.etcd_prefix = *value;
  }
  // etcd refuses TTLs under its minimum (2 s with default settings).
  if (Status s =
          integer("etcd-lease-ttl", 2, 3600, &flags.etcd_lease_ttl_seconds);
      !s.ok()) {
    return s.error();
  }
  flags.zones_from_etcd = parsed->GetBool("zones-from-etcd");
  if (flags.zones_from_etcd && flags.etcd_endpoints.empty()) {
    return MakeError("--zones-from-etcd needs --etcd");
  }
  if (Status s =
          integer("eject-after-failures", 0, 1000, &flags.eject_after_failures);
      !s.ok()) {
    return s.error();
  }
  if (Status s = integer("eject-base-ms", 1, 3600000, &flags.eject_base_ms);
      !s.ok()) {
    return s.error();
  }
  if (Status s = integer("eject-max-ms", 1, 86400000, &flags.eject_max_ms);
      !s.ok()) {
    return s.error();
  }
  if (flags.eject_max_ms < flags.eject_base_ms) {
    return MakeError("--eject-max-ms (" + std::to_string(flags.eject_max_ms) +
                     ") is below --eject-base-ms (" +
                     std::to_string(flags.eject_base_ms) + ")");
  }
  if (Status s =
          integer("etcd-steal-after-ms", 0, 600000, &flags.etcd_steal_after_ms);
      !s.ok()) {
    return s.error();
  }
  if (!flags.data_dir.empty() && !flags.etcd_endpoints.empty()) {
    return MakeError(
        "--data-dir and --etcd both choose where tasks live; give one");
  }
  if (!flags.version && !flags.help && flags.data_dir.empty() &&
      flags.etcd_endpoints.empty()) {
    return MakeError("--data-dir is required (or --etcd)");
  }
  return flags;
}

}  // namespace staticship::scheduler
