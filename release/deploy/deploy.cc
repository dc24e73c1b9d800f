#include "release/deploy/deploy.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/archive/gzip.h"
#include "common/base/file.h"
#include "common/base/flags.h"
#include "release/common/oci_layout.h"
#include "release/common/report.h"
#include "release/common/sha256.h"
#include "release/deploy/cgroup_limits.h"
#include "release/deploy/container_setup.h"
#include "release/deploy/layer_unpack.h"
#include "release/deploy/runtime_spec.h"
#include "release/policy/policy.h"
#include "release/registry/connection_flags.h"
#include "release/registry/http_transport.h"
#include "release/registry/pull.h"
#include "release/registry/reference.h"
#include "release/registry/registry_client.h"
#include "release/verify/gate.h"

namespace staticship::deploy {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

long long Ms(Clock::duration d) {
  return std::chrono::duration_cast<milliseconds>(d).count();
}

void PrintLogTail(const fs::path& file, const char* label, size_t lines) {
  std::ifstream in(file);
  if (!in) return;
  std::deque<std::string> tail;
  for (std::string line; std::getline(in, line);) {
    tail.push_back(line);
    if (tail.size() > lines) tail.pop_front();
  }
  if (tail.empty()) return;
  std::fprintf(stderr, "deploy: last %zu lines of %s:\n", tail.size(), label);
  for (const std::string& line : tail)
    std::fprintf(stderr, "  %s\n", line.c_str());
}

bool IsGzipLayer(std::string_view media_type, std::string_view bytes) {
  if (media_type.ends_with("+gzip") || media_type.ends_with(".gzip"))
    return true;
  if (media_type.ends_with(".tar")) return false;
  return bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
         static_cast<unsigned char>(bytes[1]) == 0x8b;
}

// Pulls the layers of an image whose manifest and config were read, and
// writes a complete bundle (rootfs + config.json) to staging, verifying each
// layer's diff_id as well as its digest.
Status PrepareBundle(registry::RegistryClient& client,
                     registry::PulledImage* image, const fs::path& staging,
                     const SpecOptions& spec_options,
                     std::string* manifest_digest, std::int64_t* pulled_bytes) {
  if (Status pulled = registry::PullLayers(client, image); !pulled.ok()) {
    return pulled;
  }
  *manifest_digest = image->manifest_digest;
  *pulled_bytes = image->bytes;
  Result<ImageConfig> config = ParseImageConfig(image->config);
  if (!config.ok()) return config.error();
  if (config->diff_ids.size() != image->layers.size()) {
    return MakeError(
        "image config lists " + std::to_string(config->diff_ids.size()) +
        " diff_ids for " + std::to_string(image->layers.size()) + " layers");
  }
  std::error_code ec;
  fs::create_directories(staging / "rootfs", ec);
  if (ec)
    return MakeError("cannot create " + staging.string() + ": " + ec.message());
  fs::permissions(staging / "rootfs", fs::perms(0755), ec);
  for (size_t i = 0; i < image->layers.size(); ++i) {
    const registry::PulledLayer& layer = image->layers[i];
    std::string tar_storage;
    std::string_view tar = layer.bytes;
    if (IsGzipLayer(layer.media_type, layer.bytes)) {
      Result<std::string> inflated = archive::Inflate(layer.bytes);
      if (!inflated.ok())
        return MakeError("layer " + layer.digest + ": " + inflated.message());
      tar_storage = std::move(inflated.value());
      tar = tar_storage;
    }
    if (release::Sha256Digest(tar) != config->diff_ids[i]) {
      return MakeError("layer " + layer.digest + " does not match diff_id " +
                       config->diff_ids[i]);
    }
    Result<UnpackStats> applied = ApplyTarLayer(tar, staging / "rootfs");
    if (!applied.ok())
      return MakeError("layer " + layer.digest + ": " + applied.message());
  }
  Result<std::string> spec = MakeRuntimeSpec(*config, spec_options);
  if (!spec.ok()) return spec.error();
  Status written = WriteFileAtomically(staging / "config.json", *spec);
  if (!written.ok()) return written;
  return WriteFileAtomically(staging / "image.digest", *manifest_digest + "\n");
}

}  // namespace

std::string ContainerId(const std::string& name) {
  return "staticship-" + name;
}

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '-' && c != '_' && c != '.'))) return false;
  }
  return true;
}

Result<milliseconds> WaitHealthy(int port, const std::string& path,
                                 Clock::time_point deadline, pid_t pid) {
  const auto started = Clock::now();
  registry::Url url{"http", "127.0.0.1", port, path};
  std::string last = "no answer";
  bool answered = false;
  while (Clock::now() < deadline) {
    registry::SocketTransport transport;  // fresh: no stale keep-alive
    auto left =
        std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    Result<registry::HttpResponse> response = transport.Send(
        {"GET", url, {}, {}}, std::min(left, milliseconds(1000)));
    if (response.ok() && response->status == 200) {
      return std::chrono::duration_cast<milliseconds>(Clock::now() - started);
    }
    // An HTTP status says more than a connection error (the last attempt is
    // often cut short by the deadline), so it is kept once seen.
    if (response.ok()) {
      last = "HTTP " + std::to_string(response->status);
      answered = true;
    } else if (!answered) {
      last = response.message();
    }
    if (pid > 0 && !ProcessAlive(pid)) {
      return MakeError("the service exited before it was healthy");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return MakeError("no 200 from http://127.0.0.1:" + std::to_string(port) +
                   path + " before the deadline (last: " + last + ")");
}

Result<bool> StopAndRemove(const Runc& runc, const std::string& name,
                           const fs::path& state_dir, milliseconds grace) {
  const std::string id = ContainerId(name);
  Result<std::optional<ContainerState>> state = runc.State(id);
  if (!state.ok()) return state.error();
  bool existed = state->has_value();
  if (existed && (*state)->status != "stopped") {
    const pid_t pid = (*state)->pid;
    // TERM first so the service can drain; KILL whatever is left.
    (void)runc.Kill(id, "TERM");
    const auto deadline = Clock::now() + grace;
    while (ProcessAlive(pid) && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    if (ProcessAlive(pid)) {
      (void)runc.Kill(id, "KILL");
      const auto kill_deadline = Clock::now() + std::chrono::seconds(5);
      while (ProcessAlive(pid) && Clock::now() < kill_deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
    }
  }
  if (existed) {
    Status deleted = runc.Delete(id);
    if (!deleted.ok()) return deleted.error();
  }
  const fs::path bundle = state_dir / name;
  std::error_code ec;
  if (fs::exists(bundle, ec)) {
    existed = true;
    fs::remove_all(bundle, ec);
    if (ec)
      return MakeError("cannot remove " + bundle.string() + ": " +
                       ec.message());
  }
  return existed;
}

int RunDeploy(std::span<char* const> args) {
  constexpr char kUsage[] =
      "usage: shipctl deploy --ref HOST:PORT/REPO@sha256:... --name NAME "
      "--port P\n"
      "         [--health /health] [--state-dir /run/staticship]\n"
      "         [--grace 5s] [--runc PATH]\n"
      "         [--ca-cert FILE] [--insecure-http (loopback only)]\n"
      "         [--auth-file FILE] [--timeout 10s]   (the whole deploy)\n"
      "         [--report FILE]   (JSON: digest, port, durations in ms)\n"
      "         --policy FILE | --insecure-skip-verify\n"
      "                   (verify first, as `shipctl verify`; or, explicitly, "
      "not)\n"
      "         [--deploy-file FILE] [--mount SRC:DST[:ro]]... [--volume "
      "NAME:DST]...\n"
      "         [--env KEY=VALUE]... [--arg ARG]... [--memory 256M] [--cpus "
      "1.5]\n"
      "         [--volume-root /var/lib/staticship/volumes] "
      "[--allow-missing-limits]\n";
  const auto started = Clock::now();
  FlagSpec spec{.values = {"ref", "name", "port", "health", "state-dir", "runc",
                           "grace", "report", "policy"},
                .switches = {"insecure-skip-verify"}};
  registry::AddConnectionFlags(&spec);
  spec.values.merge(SetupValueFlags());
  spec.switches.merge(SetupSwitches());
  auto [flags, exit_code] = ParseCommand("deploy", args, spec, kUsage);
  if (!flags) return exit_code;
  const CommandFailure fail("deploy");
  Result<std::string> ref_text = flags->Require("ref");
  if (!ref_text.ok()) return fail(ref_text.message());
  Result<registry::Reference> ref = registry::ParseReference(*ref_text);
  if (!ref.ok()) return fail(ref.message());
  // The gate is on unless turned off by name: an image deployed without a
  // policy is a choice the command line shows, never a forgotten flag.
  const std::optional<std::string> policy_file = flags->Get("policy");
  const bool skip_verify = flags->GetBool("insecure-skip-verify");
  if (!policy_file.has_value() && !skip_verify) {
    return fail(
        "no --policy: deploy checks the image's signature, attestations and "
        "SBOM against a release policy before it pulls a layer "
        "(release/policy/README.md); pass --policy FILE, or "
        "--insecure-skip-verify to deploy it unverified");
  }
  if (policy_file.has_value() && skip_verify) {
    return fail("--policy and --insecure-skip-verify contradict each other");
  }
  if (policy_file.has_value() && ref->digest.empty()) {
    return fail(
        "--policy needs --ref by digest (REPO@sha256:…): a tag can "
        "move after the check");
  }
  Result<std::string> name = flags->Require("name");
  if (!name.ok()) return fail(name.message());
  if (!ValidName(*name))
    return fail("invalid --name '" + *name + "' (a-z 0-9 - _ .)");
  Result<std::string> port_text = flags->Require("port");
  if (!port_text.ok()) return fail(port_text.message());
  const int port = std::atoi(port_text->c_str());
  if (port <= 0 || port > 65535) return fail("invalid --port " + *port_text);
  const std::string health = flags->Get("health").value_or("/health");
  if (!health.starts_with("/"))
    return fail("--health must be a path starting with /");
  milliseconds grace{5000};
  if (auto text = flags->Get("grace")) {
    Result<milliseconds> parsed = ParseDuration(*text);
    if (!parsed.ok()) return fail(parsed.message());
    grace = *parsed;
  }
  Result<registry::ConnectionFlags> connection_flags =
      registry::ReadConnectionFlags(*flags, milliseconds(10000));
  if (!connection_flags.ok()) return fail(connection_flags.message());
  const milliseconds timeout = connection_flags->timeout;
  // Every setting is checked (and each volume made ready) before anything
  // is pulled or stopped: a bad one leaves the running service as it was.
  Result<PreparedContainer> container = PrepareContainer(*flags, kCgroupRoot);
  if (!container.ok()) return fail(container.message());
  for (const std::string& warning : container->warnings) {
    std::fprintf(stderr, "deploy: warning: %s\n", warning.c_str());
  }
  const fs::path state_dir = flags->Get("state-dir").value_or(kDefaultStateDir);
  const Runc runc(flags->Get("runc").value_or("runc"));

  const auto deadline = started + timeout;
  Result<std::unique_ptr<registry::RegistryConnection>> connection =
      registry::RegistryConnection::Open(
          *connection_flags, *ref, "pull",
          [](const char* n) { return std::getenv(n); });
  if (!connection.ok()) return fail(connection.message());
  registry::RegistryClient& client = (*connection)->client();
  // The gate reads the .sig and .att tags at once, on two connections, and
  // the metadata below takes one: the second is opened beside it, so that
  // its handshake is not on the gate's path. A failure is left to the
  // request that would have used it, which opens its own and says why.
  std::future<Status> second_connection;
  if (policy_file.has_value()) {
    second_connection = std::async(std::launch::async,
                                   [&client] { return client.Preconnect(); });
  }
  // The manifest and config are read first, as any pull reads them, and
  // the client keeps them: the gate checks them without a request of its
  // own, and PrepareBundle then fetches only the layers. So verify_ms is
  // what checking adds to a deploy (the signatures, the attestations and
  // the policy), not a second read of the image.
  Result<registry::PulledImage> metadata =
      registry::PullImageMetadata(client, ref->ManifestReference());
  if (!metadata.ok()) {
    // Content that does not match its digest is refused in the gate's form.
    if (policy_file.has_value() && metadata.code() == ErrorCode::kDataLoss) {
      return fail(policy::FormatViolation({"digest", "", metadata.message()},
                                          ref->digest));
    }
    return fail(metadata.message());
  }
  // The gate comes before anything is unpacked or stopped: a refused image
  // leaves the running one alone.
  const auto verify_started = Clock::now();
  if (policy_file.has_value()) {
    // What is left of the handshake counts as the gate's.
    second_connection.wait();
    // The layers are left to PrepareBundle, which checks each one's digest
    // and diff_id as it pulls them: fetching them here too would download
    // the image twice.
    Result<std::vector<std::string>> refusals = verify::Refusals(
        client, ref->digest, *policy_file, {.fetch_layers = false});
    if (!refusals.ok()) return fail(refusals.message());
    for (const std::string& line : *refusals) fail(line);
    if (!refusals->empty()) return 1;
  } else {
    std::fprintf(stderr,
                 "deploy: warning: --insecure-skip-verify: %s is not checked "
                 "against any policy\n",
                 ref->ManifestReference().c_str());
  }
  const auto verified = Clock::now();

  std::error_code ec;
  fs::create_directories(state_dir, ec);
  const fs::path bundle = state_dir / *name;
  const fs::path staging =
      state_dir / ("." + *name + ".staging-" + std::to_string(::getpid()));
  fs::remove_all(staging, ec);
  std::string digest;
  std::int64_t pulled_bytes = 0;
  Status prepared =
      PrepareBundle(client, &*metadata, staging,
                    {*name, port, container->settings, container->volume_paths},
                    &digest, &pulled_bytes);
  if (!prepared.ok()) {
    fs::remove_all(staging, ec);
    // The gate left the layers to this pull; a layer that is not what the
    // signed manifest names is refused as the gate would have refused it.
    if (policy_file.has_value() && prepared.code() == ErrorCode::kDataLoss) {
      return fail(policy::FormatViolation({"digest", "", prepared.message()},
                                          ref->digest));
    }
    return fail(prepared.message());
  }
  const auto unpacked = Clock::now();
  if (policy_file.has_value()) {
    // Said once the pulled layers matched too: only then has it passed.
    std::printf("deploy: %s@%s passes %s\n", ref->Name().c_str(),
                ref->digest.c_str(), policy_file->c_str());
  }
  std::printf("deploy: pulled %lld bytes and unpacked %s in %lld ms\n",
              static_cast<long long>(pulled_bytes), digest.c_str(),
              Ms(unpacked - started));

  Result<bool> replaced = StopAndRemove(runc, *name, state_dir, grace);
  if (!replaced.ok()) {
    fs::remove_all(staging, ec);
    return fail("replacing the running " + *name + ": " + replaced.message());
  }
  if (*replaced)
    std::printf("deploy: stopped the previous %s\n", name->c_str());
  fs::rename(staging, bundle, ec);
  if (ec) {
    fs::remove_all(staging, ec);
    return fail("cannot move the bundle into place: " + ec.message());
  }
  const std::string id = ContainerId(*name);
  auto cleanup_after = [&](const std::string& message) {
    std::fprintf(stderr, "deploy: %s\n", message.c_str());
    PrintLogTail(bundle / "container.log", "the container log", 20);
    PrintLogTail(bundle / "runc.log", "runc's log", 5);
    Result<bool> removed =
        StopAndRemove(runc, *name, state_dir, milliseconds(1000));
    if (!removed.ok())
      std::fprintf(stderr, "deploy: cleanup: %s\n", removed.message().c_str());
    return 1;
  };
  const auto start_run = Clock::now();
  Status ran = runc.Run(id, bundle);
  if (!ran.ok()) return cleanup_after(ran.message());
  pid_t pid = 0;
  {
    std::ifstream pid_file(bundle / "container.pid");
    pid_file >> pid;
  }
  Result<milliseconds> healthy = WaitHealthy(port, health, deadline, pid);
  if (!healthy.ok()) return cleanup_after(*name + ": " + healthy.message());
  const auto done = Clock::now();
  std::printf(
      "deploy: %s (%s) healthy on http://127.0.0.1:%d%s, %lld ms from runc "
      "run\n",
      name->c_str(), id.c_str(), port, health.c_str(), Ms(done - start_run));
  std::printf("deploy: %lld ms\n", Ms(done - started));
  if (auto report = flags->Get("report")) {
    nlohmann::json data = {{"command", "deploy"},
                           {"name", *name},
                           {"container_id", id},
                           {"digest", digest},
                           {"port", port},
                           {"volumes", container->volume_paths},
                           {"pulled_bytes", pulled_bytes},
                           {"pull_unpack_ms", Ms(unpacked - started)},
                           {"healthy_after_run_ms", Ms(done - start_run)},
                           {"duration_ms", Ms(done - started)}};
    if (policy_file.has_value()) {
      data["verify_ms"] = Ms(verified - verify_started);
    }
    Status written = release::WriteReport(*report, data);
    // The container runs and is healthy; the report is the caller's
    // record, so its loss is an error the caller sees, not a rollback.
    if (!written.ok()) return fail(written.message());
  }
  return 0;
}

int RunUndeploy(std::span<char* const> args) {
  constexpr char kUsage[] =
      "usage: shipctl undeploy --name NAME [--state-dir /run/staticship] "
      "[--grace 5s] [--runc PATH]\n";
  const auto started = Clock::now();
  auto [flags, exit_code] =
      ParseCommand("undeploy", args,
                   {.values = {"name", "state-dir", "grace", "runc"}}, kUsage);
  if (!flags) return exit_code;
  Result<std::string> name = flags->Require("name");
  if (!name.ok() || !ValidName(*name)) {
    std::fprintf(stderr, "undeploy: missing or invalid --name\n");
    return 2;
  }
  milliseconds grace{5000};
  if (auto text = flags->Get("grace")) {
    Result<milliseconds> parsed = ParseDuration(*text);
    if (!parsed.ok()) {
      std::fprintf(stderr, "undeploy: %s\n", parsed.message().c_str());
      return 2;
    }
    grace = *parsed;
  }
  const Runc runc(flags->Get("runc").value_or("runc"));
  Result<bool> removed = StopAndRemove(
      runc, *name, flags->Get("state-dir").value_or(kDefaultStateDir), grace);
  if (!removed.ok()) {
    std::fprintf(stderr, "undeploy: %s\n", removed.message().c_str());
    return 1;
  }
  if (*removed) {
    std::printf("undeploy: %s removed in %lld ms\n", name->c_str(),
                Ms(Clock::now() - started));
  } else {
    std::printf("undeploy: %s was not deployed\n", name->c_str());
  }
  return 0;
}

}  // namespace staticship::deploy
