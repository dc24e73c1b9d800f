#include "services/scheduler/flags.h"

#include <charconv>

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

}  // namespace

std::string FlagsUsage() {
  return "usage: scheduler --data-dir DIR [--listen HOST:PORT] [--workers N]\n"
         "                 [--zones FILE] [--fsync on|off] [--port-file FILE]\n"
         "                 [--http-threads N] [--compact-after-bytes N]\n"
         "                 [--drain-grace-ms N]\n"
         "                 [--retain-finished-seconds N (default 86400)] "
         "[--version]\n"
         "       scheduler --etcd http://HOST:PORT[,...] [--etcd-prefix P]\n"
         "                 [--etcd-lease-ttl SECONDS] [--listen ...] ...\n";
}

Result<Flags> ParseFlags(const std::vector<std::string>& args) {
  Flags flags;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    std::string value;
    bool has_value = false;
    if (size_t eq = arg.find('=');
        arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_value = true;
    }
    if (arg == "--version") {
      flags.version = true;
      continue;
    }
    if (arg == "--help" || arg == "-h") {
      flags.help = true;
      continue;
    }
    bool known = arg == "--listen" || arg == "--data-dir" ||
                 arg == "--workers" || arg == "--zones" || arg == "--fsync" ||
                 arg == "--port-file" || arg == "--http-threads" ||
                 arg == "--compact-after-bytes" || arg == "--drain-grace-ms" ||
                 arg == "--retain-finished-seconds" || arg == "--etcd" ||
                 arg == "--etcd-prefix" || arg == "--etcd-lease-ttl";
    if (!known) return MakeError("unknown flag '" + args[i] + "'");
    if (!has_value) {
      if (i + 1 >= args.size()) return MakeError(arg + " needs a value");
      value = args[++i];
    }
    if (arg == "--listen") {
      size_t colon = value.rfind(':');
      if (colon == std::string::npos) {
        return MakeError("--listen: '" + value + "' is not HOST:PORT");
      }
      auto port = ParseInt("--listen port", value.substr(colon + 1), 0, 65535);
      if (!port.ok()) return port.error();
      flags.listen_host = value.substr(0, colon);
      if (flags.listen_host.size() >= 2 && flags.listen_host.front() == '[') {
        flags.listen_host =
            flags.listen_host.substr(1, flags.listen_host.size() - 2);
      }
      if (flags.listen_host.empty()) flags.listen_host = "0.0.0.0";
      flags.listen_port = static_cast<uint16_t>(*port);
    } else if (arg == "--data-dir") {
      if (value.empty()) return MakeError("--data-dir must not be empty");
      flags.data_dir = value;
    } else if (arg == "--workers") {
      auto n = ParseInt(arg, value, 1, 10000);
      if (!n.ok()) return n.error();
      flags.workers = static_cast<int>(*n);
    } else if (arg == "--zones") {
      flags.zones_file = value;
    } else if (arg == "--fsync") {
      if (value != "on" && value != "off") {
        return MakeError("--fsync: '" + value + "' is neither on nor off");
      }
      flags.fsync = value == "on";
    } else if (arg == "--port-file") {
      flags.port_file = value;
    } else if (arg == "--http-threads") {
      auto n = ParseInt(arg, value, 1, 64);
      if (!n.ok()) return n.error();
      flags.http_threads = static_cast<int>(*n);
    } else if (arg == "--compact-after-bytes") {
      auto n = ParseInt(arg, value, 4096, int64_t{1} << 40);
      if (!n.ok()) return n.error();
      flags.compact_after_bytes = static_cast<uint64_t>(*n);
    } else if (arg == "--retain-finished-seconds") {
      auto n = ParseInt(arg, value, 0, int64_t{10} * 365 * 24 * 3600);
      if (!n.ok()) return n.error();
      flags.retain_finished_seconds = *n;
    } else if (arg == "--drain-grace-ms") {
      auto n = ParseInt(arg, value, 0, 600000);
      if (!n.ok()) return n.error();
      flags.drain_grace_ms = static_cast<int>(*n);
    } else if (arg == "--etcd") {
      if (value.empty()) return MakeError("--etcd must not be empty");
      flags.etcd_endpoints = value;
    } else if (arg == "--etcd-prefix") {
      if (value.empty() || value.back() != '/') {
        return MakeError("--etcd-prefix: '" + value + "' must end with '/'");
      }
      flags.etcd_prefix = value;
    } else if (arg == "--etcd-lease-ttl") {
      // etcd refuses TTLs under its minimum (2 s with default settings).
      auto n = ParseInt(arg, value, 2, 3600);
      if (!n.ok()) return n.error();
      flags.etcd_lease_ttl_seconds = static_cast<int>(*n);
    }
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
