#include "release/image/pack_command.h"

#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "common/base/file.h"
#include "common/base/flags.h"
#include "release/common/oci_layout.h"
#include "release/common/report.h"
#include "release/common/sha256.h"
#include "release/image/elf_deps.h"
#include "release/image/pack.h"
#include "release/sbom/linked_inputs.h"
#include "release/sbom/spdx.h"

namespace staticship::release {
namespace {

constexpr char kUsage[] = R"(usage: shipctl pack [flags] [@params-file]
(--flag=value and --flag value alike; @FILE reads arguments from FILE)
  --binary=PATH            the service binary, at /usr/local/bin/<service>
  --service=NAME           its name in the image (default: binary file name)
  --file=MODE[:UID:GID]:DEST=SRC   any other file (repeatable)
  --dir=MODE[:UID:GID]:DEST        an extra directory (repeatable)
  --symlink=DEST=TARGET            a symbolic link (repeatable)
  --no-base-files          omit /etc/passwd, /etc/group, /tmp, /home/nonroot
  --dynamic-libs           add the binary's ELF loader and shared libraries
  --sysroot=DIR            where to find them (default /)
  --repository=NAME --tag=TAG      docker-archive RepoTags and index ref.name
  --architecture=amd64|arm64 --os=linux --variant=V
  --user=U:G (default 65532:65532) --workdir=DIR
  --entrypoint=ARG --cmd=ARG --env=K=V --port=N[/tcp|/udp] --label=K=V
  --title= --version= --revision= --source= --licenses= --created=RFC3339
  --out-layout=DIR --out-tar=FILE --out-digest=FILE --out-sbom=FILE
  --deps-json=FILE --linked-repo=REPO --toolchain-bundle=ID --tool-version=V
  --level=1..9 --block-size=BYTES --jobs=N --timing-out=FILE --report=FILE (JSON: digest, bytes, duration_ms) --quiet
SOURCE_DATE_EPOCH, when set, gives the created time and every mtime.
)";

const FlagSpec kFlags = {
    .values = {"binary",
               "service",
               "file",
               "dir",
               "symlink",
               "sysroot",
               "repository",
               "tag",
               "architecture",
               "os",
               "variant",
               "user",
               "workdir",
               "entrypoint",
               "cmd",
               "env",
               "port",
               "label",
               "title",
               "version",
               "revision",
               "source",
               "licenses",
               "created",
               "out-layout",
               "out-tar",
               "out-digest",
               "out-sbom",
               "deps-json",
               "linked-repo",
               "toolchain-bundle",
               "tool-version",
               "level",
               "block-size",
               "jobs",
               "timing-out",
               "report"},
    .switches = {"no-base-files", "dynamic-libs", "quiet", "help"},
};

struct Ownership {
  std::uint32_t mode = 0;
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::string path;
};

Result<std::uint64_t> ParseNumber(const std::string& text, int base,
                                  const std::string& what) {
  if (text.empty()) return MakeError("empty " + what);
  char* end = nullptr;
  const unsigned long long value = std::strtoull(text.c_str(), &end, base);
  if (*end != '\0') return MakeError("invalid " + what + " '" + text + "'");
  return value;
}

// "0755:/dest" or "0700:65532:65532:/dest".
Result<Ownership> ParseOwnership(const std::string& spec) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (int i = 0; i < 3; ++i) {
    const std::size_t colon = spec.find(':', start);
    if (colon == std::string::npos) break;
    parts.push_back(spec.substr(start, colon - start));
    start = colon + 1;
    // Stop once the remainder looks like a path.
    if (start < spec.size() && spec[start] == '/') break;
  }
  parts.push_back(spec.substr(start));
  if (parts.size() != 2 && parts.size() != 4) {
    return MakeError("expected MODE[:UID:GID]:PATH, got '" + spec + "'");
  }
  Ownership o;
  auto mode = ParseNumber(parts[0], 8, "mode");
  if (!mode.ok()) return mode.error();
  if (*mode > 07777) return MakeError("mode out of range: " + parts[0]);
  o.mode = static_cast<std::uint32_t>(*mode);
  if (parts.size() == 4) {
    auto uid = ParseNumber(parts[1], 10, "uid");
    auto gid = ParseNumber(parts[2], 10, "gid");
    if (!uid.ok()) return uid.error();
    if (!gid.ok()) return gid.error();
    o.uid = static_cast<std::uint32_t>(*uid);
    o.gid = static_cast<std::uint32_t>(*gid);
  }
  o.path = parts.back();
  return o;
}

Result<std::pair<std::string, std::string>> SplitKeyValue(
    const std::string& text, const std::string& what) {
  const std::size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    return MakeError("expected " + what + " as KEY=VALUE, got '" + text + "'");
  }
  return std::pair{text.substr(0, eq), text.substr(eq + 1)};
}

std::string Rfc3339(std::int64_t epoch) {
  const time_t t = static_cast<time_t>(epoch);
  struct tm utc {};
  gmtime_r(&t, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

Status Fail(const std::string& message) { return MakeError(message); }

struct Timer {
  std::chrono::steady_clock::time_point start =
      std::chrono::steady_clock::now();
  std::int64_t Millis() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now() - start)
        .count();
  }
};

Status RunPackFlags(const Flags& flags, const Timer& timer) {
  PackRequest request;
  StagedOutputs staged;

  std::int64_t epoch = 0;
  if (const char* sde = std::getenv("SOURCE_DATE_EPOCH"); sde && *sde) {
    auto value = ParseNumber(sde, 10, "SOURCE_DATE_EPOCH");
    if (!value.ok()) return value.error();
    epoch = static_cast<std::int64_t>(*value);
  }
  request.mtime = epoch;
  const std::string created = flags.GetOr("created", Rfc3339(epoch));

  // Files.
  LayerTree& tree = request.tree;
  if (!flags.GetBool("no-base-files")) {
    if (Status s = tree.AddBaseFiles(); !s.ok()) return s;
  }
  const std::string binary = flags.GetOr("binary", "");
  std::string service = flags.GetOr("service", "");
  if (!binary.empty()) {
    if (service.empty()) {
      service = std::filesystem::path(binary).filename().string();
    }
    if (Status s =
            tree.AddFileFromHost("/usr/local/bin/" + service, binary, 0755);
        !s.ok()) {
      return s;
    }
  }
  for (const std::string& spec : flags.GetAll("file")) {
    const std::size_t eq = spec.find('=');
    if (eq == std::string::npos) {
      return Fail("expected --file=MODE[:UID:GID]:DEST=SRC, got '" + spec +
                  "'");
    }
    auto o = ParseOwnership(spec.substr(0, eq));
    if (!o.ok()) return o.error();
    if (Status s = tree.AddFileFromHost(o->path, spec.substr(eq + 1), o->mode,
                                        o->uid, o->gid);
        !s.ok()) {
      return s;
    }
  }
  for (const std::string& spec : flags.GetAll("dir")) {
    auto o = ParseOwnership(spec);
    if (!o.ok()) return o.error();
    if (Status s = tree.AddDirectory(o->path, o->mode, o->uid, o->gid);
        !s.ok()) {
      return s;
    }
  }
  for (const std::string& spec : flags.GetAll("symlink")) {
    auto kv = SplitKeyValue(spec, "--symlink");
    if (!kv.ok()) return kv.error();
    if (Status s = tree.AddSymlink(kv->first, kv->second); !s.ok()) return s;
  }
  std::vector<SharedLibrary> shared_libraries;
  if (flags.GetBool("dynamic-libs")) {
    if (binary.empty()) return Fail("--dynamic-libs needs --binary");
    auto files = ResolveRuntimeFiles(binary, flags.GetOr("sysroot", "/"));
    if (!files.ok()) return files.error();
    for (const RuntimeFile& f : *files) {
      if (Status s = tree.AddFileFromHost(f.image_path, f.host_path, 0755);
          !s.ok()) {
        return s;
      }
      auto digest = Sha256FileDigest(f.host_path);
      if (!digest.ok()) return digest.error();
      shared_libraries.push_back({f.soname, f.image_path, f.host_path,
                                  std::string(DigestHex(*digest))});
    }
  }

  // Settings.
  ImageConfig& config = request.config;
  config.created = created;
  config.architecture = flags.GetOr("architecture", "");
  config.os = flags.GetOr("os", "linux");
  config.variant = flags.GetOr("variant", "");
  config.user = flags.GetOr("user", "65532:65532");
  config.working_dir = flags.GetOr("workdir", "");
  config.entrypoint = flags.GetAll("entrypoint");
  if (config.entrypoint.empty() && !service.empty()) {
    config.entrypoint = {"/usr/local/bin/" + service};
  }
  config.cmd = flags.GetAll("cmd");
  for (const std::string& env : flags.GetAll("env")) {
    if (auto kv = SplitKeyValue(env, "--env"); !kv.ok()) return kv.error();
    config.env.push_back(env);
  }
  for (std::string port : flags.GetAll("port")) {
    if (port.find('/') == std::string::npos) port += "/tcp";
    const std::string number = port.substr(0, port.find('/'));
    const std::string proto = port.substr(port.find('/') + 1);
    auto n = ParseNumber(number, 10, "port");
    if (!n.ok() || *n == 0 || *n > 65535 ||
        (proto != "tcp" && proto != "udp")) {
      return Fail("invalid port '" + port + "'");
    }
    config.exposed_ports.push_back(port);
  }
  for (const std::string& label : flags.GetAll("label")) {
    auto kv = SplitKeyValue(label, "--label");
    if (!kv.ok()) return kv.error();
    config.labels[kv->first] = kv->second;
  }
  request.annotations["org.opencontainers.image.created"] = created;
  for (const char* key :
       {"title", "version", "revision", "source", "licenses"}) {
    const std::string value =
        flags.GetOr(key, std::string(key) == "title" ? service : "");
    if (!value.empty()) {
      request.annotations["org.opencontainers.image." + std::string(key)] =
          value;
    }
  }
  for (const auto& [key, value] : request.annotations) {
    config.labels[key] = value;
  }
  request.repository = flags.GetOr("repository", service);
  request.tag = flags.GetOr("tag", "latest");

  // Compression.
  if (flags.Has("level")) {
    auto level = ParseNumber(flags.GetOr("level", ""), 10, "level");
    if (!level.ok()) return level.error();
    request.gzip.level = static_cast<int>(*level);
  }
  if (flags.Has("block-size")) {
    auto size = ParseNumber(flags.GetOr("block-size", ""), 10, "block size");
    if (!size.ok()) return size.error();
    request.gzip.block_size = *size;
  }
  if (flags.Has("jobs")) {
    auto jobs = ParseNumber(flags.GetOr("jobs", ""), 10, "jobs");
    if (!jobs.ok()) return jobs.error();
    request.gzip.threads = static_cast<unsigned>(*jobs);
  }

  request.out_layout = flags.GetOr("out-layout", "");
  request.out_tar = flags.GetOr("out-tar", "");
  request.out_digest = flags.GetOr("out-digest", "");
  const std::string out_sbom = flags.GetOr("out-sbom", "");
  if (request.out_layout.empty() && request.out_tar.empty() &&
      request.out_digest.empty() && out_sbom.empty()) {
    return Fail("no output given (--out-layout, --out-tar, --out-digest)");
  }

  // Read the lock before writing anything, so a bad lock leaves no output.
  std::vector<LockedComponent> components;
  if (!out_sbom.empty()) {
    if (binary.empty()) return Fail("--out-sbom needs --binary");
    const std::string deps_json = flags.GetOr("deps-json", "");
    if (deps_json.empty()) return Fail("--out-sbom needs --deps-json");
    auto bytes = ReadWholeFile(deps_json);
    if (!bytes.ok()) return bytes.error();
    auto locked = ParseDepsJson(*bytes);
    if (!locked.ok()) return locked.error();
    const auto repos = flags.GetAll("linked-repo");
    auto selected = SelectLinkedComponents(
        *locked, std::set<std::string>(repos.begin(), repos.end()),
        flags.GetOr("toolchain-bundle", ""));
    if (!selected.ok()) return selected.error();
    components = std::move(*selected);
  }

  // The signed manifest digest covers this label (it is in the config), so
  // push and verify can tell later whether an SBOM names every input.
  if (!out_sbom.empty()) {
    config.labels[kLinkedInputsLabel] =
        LinkedInputsLabel(components, shared_libraries);
  }

  auto result = Pack(request, staged);
  if (!result.ok()) return result.error();

  if (!out_sbom.empty()) {
    SbomRequest sbom;
    sbom.repository = request.repository;
    sbom.tag = request.tag;
    sbom.manifest_digest = result->manifest.digest;
    sbom.created = created;
    sbom.tool_version = flags.GetOr("tool-version", "dev");
    sbom.binary_name = service;
    sbom.binary_version = flags.GetOr("version", "");
    auto binary_digest = Sha256FileDigest(binary);
    if (!binary_digest.ok()) return binary_digest.error();
    sbom.binary_sha256_hex = std::string(DigestHex(*binary_digest));
    sbom.static_components = std::move(components);
    sbom.shared_libraries = std::move(shared_libraries);
    if (auto t = staged.StageFile(out_sbom, SpdxJson(sbom)); !t.ok()) {
      return t.error();
    }
  }
  if (Status s = staged.Commit(); !s.ok()) return s;

  const std::int64_t millis = timer.Millis();
  if (!flags.GetBool("quiet")) {
    std::printf("pack: %lld ms %s %s:%s %lld bytes compressed, %llu raw\n",
                static_cast<long long>(millis), result->manifest.digest.c_str(),
                request.repository.c_str(), request.tag.c_str(),
                static_cast<long long>(result->layer.size),
                static_cast<unsigned long long>(result->uncompressed_size));
  }
  if (const std::string timing = flags.GetOr("timing-out", "");
      !timing.empty()) {
    const std::string line =
        "{\"stage\":\"image\",\"tool\":\"shipctl pack\",\"duration_ms\":" +
        std::to_string(millis) +
        ",\"bytes\":" + std::to_string(result->layer.size) + "}\n";
    if (Status s = WriteFileAtomically(timing, line); !s.ok()) return s;
  }
  if (const std::string report = flags.GetOr("report", ""); !report.empty()) {
    return WriteReport(report,
                       {{"command", "pack"},
                        {"manifest_digest", result->manifest.digest},
                        {"repository", request.repository},
                        {"tag", request.tag},
                        {"compressed_bytes", result->layer.size},
                        {"uncompressed_bytes", result->uncompressed_size},
                        {"duration_ms", millis}});
  }
  return Status::Ok();
}

}  // namespace

int RunPack(std::span<char* const> args) {
  const Timer timer;
  auto flags = ParseCommandLine(args, kFlags);
  if (!flags.ok()) {
    std::fprintf(stderr, "shipctl pack: %s (see shipctl pack --help)\n",
                 flags.message().c_str());
    return 2;
  }
  if (flags->GetBool("help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (Status s = RunPackFlags(*flags, timer); !s.ok()) {
    std::fprintf(stderr, "shipctl pack: %s\n", s.message().c_str());
    return 1;
  }
  return 0;
}

}  // namespace staticship::release
