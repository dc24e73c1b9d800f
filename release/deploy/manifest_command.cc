#include "release/deploy/manifest_command.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>

#include "common/base/flags.h"
#include "release/common/oci_layout.h"
#include "release/deploy/deploy_options.h"
#include "release/deploy/k8s_manifest.h"
#include "release/registry/connection_flags.h"
#include "release/registry/pull.h"
#include "release/registry/reference.h"
#include "release/registry/registry_client.h"

namespace staticship::deploy {
namespace {

constexpr char kUsage[] =
    "usage: shipctl manifest --ref HOST:PORT/REPO@sha256:... --name NAME "
    "--port P\n"
    "         [--health /health] [--layout DIR | --ca-cert FILE "
    "--auth-file FILE ...]\n"
    "         [--deploy-file FILE] [--mount SRC:DST:ro]... [--volume "
    "NAME:DST]...\n"
    "         [--env KEY=VALUE]... [--arg ARG]... [--memory 256M] [--cpus "
    "1.5]\n"
    "  writes a ConfigMap, PersistentVolumeClaims, a Deployment and a "
    "Service to stdout\n";

// The config of the image `digest` in an OCI layout.
Result<std::string> ConfigFromLayout(const std::string& dir,
                                     const std::string& digest) {
  Result<release::OciLayout> layout = release::OciLayout::Open(dir);
  if (!layout.ok()) return layout.error();
  Result<release::ImageIndex> index = layout->ReadIndex();
  if (!index.ok()) return index.error();
  for (const release::Descriptor& manifest : index->manifests) {
    if (manifest.digest != digest) continue;
    Result<std::string> bytes = layout->ReadBlob(digest, manifest.size);
    if (!bytes.ok()) return bytes.error();
    nlohmann::json doc = nlohmann::json::parse(*bytes, nullptr, false);
    if (!doc.is_object() || !doc.contains("config") ||
        !doc["config"].is_object() || !doc["config"].contains("digest") ||
        !doc["config"]["digest"].is_string()) {
      return MakeError("manifest " + digest + " in " + dir + " has no config");
    }
    return layout->ReadBlob(doc["config"]["digest"].get<std::string>());
  }
  return MakeError(ErrorCode::kNotFound,
                   "layout " + dir + " holds no image " + digest);
}

Result<std::string> ConfigFromRegistry(const registry::Reference& ref,
                                       const Flags& flags) {
  Result<registry::ConnectionFlags> connection_flags =
      registry::ReadConnectionFlags(flags, std::chrono::seconds(60));
  if (!connection_flags.ok()) return connection_flags.error();
  Result<std::unique_ptr<registry::RegistryConnection>> connection =
      registry::RegistryConnection::Open(
          *connection_flags, ref, "pull",
          [](const char* n) { return std::getenv(n); });
  if (!connection.ok()) return connection.error();
  Result<registry::PulledImage> image =
      registry::PullImage((*connection)->client(), ref.ManifestReference());
  if (!image.ok()) return image.error();
  return std::move(image->config);
}

}  // namespace

int RunManifest(std::span<char* const> args) {
  FlagSpec spec{.values = {"ref", "name", "port", "health", "layout"},
                .switches = {"help"}};
  registry::AddConnectionFlags(&spec);
  spec.values.merge(SettingFlagNames());
  auto [flags, exit_code] = ParseCommand("manifest", args, spec, kUsage);
  if (!flags) return exit_code;
  const CommandFailure fail("manifest");
  Result<std::string> ref_text = flags->Require("ref");
  if (!ref_text.ok()) return fail(ref_text.message());
  Result<registry::Reference> ref = registry::ParseReference(*ref_text);
  if (!ref.ok()) return fail(ref.message());
  if (ref->digest.empty()) {
    return fail("--ref " + *ref_text +
                " has no digest: a manifest pins the image (REF@sha256:...)");
  }
  ManifestInput input;
  Result<std::string> name = flags->Require("name");
  if (!name.ok()) return fail(name.message());
  input.name = *name;
  Result<std::optional<std::int64_t>> port = flags->GetInt("port");
  if (!port.ok()) return fail(port.message());
  if (!port->has_value()) return fail("--port is required");
  if (**port <= 0 || **port > 65535)
    return fail("invalid --port " + std::to_string(**port));
  input.port = static_cast<int>(**port);
  input.health_path = flags->Get("health").value_or("/health");
  if (!input.health_path.starts_with("/"))
    return fail("--health must be a path starting with /");
  input.image = ref->Name() + "@" + ref->digest;

  Result<ContainerSettings> settings = LoadSettings(*flags);
  if (!settings.ok()) return fail(settings.message());
  input.settings = std::move(settings.value());
  if (Status read = ReadMountedFiles(input); !read.ok())
    return fail(read.message());

  Result<std::string> config =
      flags->Has("layout")
          ? ConfigFromLayout(*flags->Get("layout"), ref->digest)
          : ConfigFromRegistry(*ref, *flags);
  if (!config.ok()) return fail(config.message());
  Result<ImageConfig> image_config = ParseImageConfig(*config);
  if (!image_config.ok()) return fail(image_config.message());
  input.image_config = std::move(image_config.value());

  Result<std::string> manifest = MakeK8sManifest(input);
  if (!manifest.ok()) return fail(manifest.message());
  std::fputs(manifest->c_str(), stdout);
  return std::fflush(stdout) == 0 ? 0 : fail("cannot write to stdout");
}

}  // namespace staticship::deploy
