#include "release/image/inspect_command.h"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "common/archive/gzip.h"
#include "common/archive/tar_reader.h"
#include "common/base/flags.h"
#include "release/common/report.h"

namespace staticship::release {
namespace {

// libc.so.6, libstdc++.so.6.0.30, ld-linux-x86-64.so.2: what the dynamic
// variant's image carries and the static one must not.
bool IsSharedLibrary(std::string_view path) {
  const std::string_view base = path.substr(path.rfind('/') + 1);
  const std::size_t so = base.find(".so");
  return so != std::string_view::npos &&
         (so + 3 == base.size() || base[so + 3] == '.');
}

Result<nlohmann::json> ReadJsonBlob(const OciLayout& layout,
                                    const Descriptor& descriptor) {
  Result<std::string> bytes =
      layout.ReadBlob(descriptor.digest, descriptor.size);
  if (!bytes.ok()) return bytes.error();
  auto json =
      nlohmann::json::parse(*bytes, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return MakeError("blob " + descriptor.digest + " is not a JSON object");
  }
  return json;
}

}  // namespace

Result<ImageFacts> InspectLayout(const OciLayout& layout) {
  Result<ImageIndex> index = layout.ReadIndex();
  if (!index.ok()) return index.error();
  if (index->manifests.size() != 1 ||
      index->manifests[0].media_type != kMediaTypeImageManifest) {
    return MakeError(layout.root().string() +
                     ": expected one image manifest in index.json (an index "
                     "over several platforms is inspected per platform)");
  }
  ImageFacts facts;
  facts.manifest_digest = index->manifests[0].digest;
  Result<nlohmann::json> manifest = ReadJsonBlob(layout, index->manifests[0]);
  if (!manifest.ok()) return manifest.error();
  if (!manifest->contains("config") || !manifest->contains("layers") ||
      !(*manifest)["layers"].is_array()) {
    return MakeError("manifest " + facts.manifest_digest +
                     " lacks config or layers");
  }
  Result<Descriptor> config_descriptor =
      ParseDescriptor((*manifest)["config"].dump());
  if (!config_descriptor.ok()) return config_descriptor.error();
  Result<nlohmann::json> config = ReadJsonBlob(layout, *config_descriptor);
  if (!config.ok()) return config.error();
  facts.platform.os = config->value("os", "");
  facts.platform.architecture = config->value("architecture", "");
  facts.platform.variant = config->value("variant", "");
  if (auto it = config->find("config");
      it != config->end() && it->is_object() && it->contains("ExposedPorts")) {
    for (const auto& [port, unused] : (*it)["ExposedPorts"].items()) {
      facts.exposed_ports.push_back(port);
    }
  }
  for (const nlohmann::json& layer_json : (*manifest)["layers"]) {
    Result<Descriptor> layer = ParseDescriptor(layer_json.dump());
    if (!layer.ok()) return layer.error();
    Result<std::string> compressed =
        layout.ReadBlob(layer->digest, layer->size);
    if (!compressed.ok()) return compressed.error();
    Result<std::string> tar = archive::Inflate(*compressed);
    if (!tar.ok()) {
      return MakeError("layer " + layer->digest + ": " + tar.message());
    }
    ++facts.layers;
    facts.compressed_bytes += layer->size;
    facts.uncompressed_bytes += static_cast<std::int64_t>(tar->size());
    archive::TarReader reader(*tar);
    for (;;) {
      Result<std::optional<archive::TarMember>> member = reader.Next();
      if (!member.ok()) {
        return MakeError("layer " + layer->digest + ": " + member.message());
      }
      if (!member->has_value()) break;
      const archive::TarMember& m = **member;
      if (m.type != '0' && m.type != '\0' && m.type != '7') continue;
      ++facts.files;
      if (IsSharedLibrary(m.path)) ++facts.shared_libs;
    }
  }
  return facts;
}

int RunInspect(std::span<char* const> args) {
  constexpr char kUsage[] =
      "usage: shipctl inspect --layout DIR [--report FILE]\n"
      "Prints the image's facts as JSON (manifest digest, platform, exposed\n"
      "ports, layers, compressed and uncompressed bytes, files, shared\n"
      "libraries); --report also writes them to FILE.\n";
  auto [flags, exit_code] =
      ParseCommand("inspect", args, {.values = {"layout", "report"}}, kUsage);
  if (!flags) return exit_code;
  const CommandFailure fail("inspect");
  Result<std::string> dir = flags->Require("layout");
  if (!dir.ok()) return fail(dir.message());
  Result<OciLayout> layout = OciLayout::Open(*dir);
  if (!layout.ok()) return fail(layout.message());
  Result<ImageFacts> facts = InspectLayout(*layout);
  if (!facts.ok()) return fail(facts.message());
  std::string platform =
      facts->platform.os + "/" + facts->platform.architecture;
  if (!facts->platform.variant.empty())
    platform += "/" + facts->platform.variant;
  const nlohmann::json report = {
      {"command", "inspect"},
      {"manifest_digest", facts->manifest_digest},
      {"platform", platform},
      {"exposed_ports", facts->exposed_ports},
      {"layers", facts->layers},
      {"compressed_bytes", facts->compressed_bytes},
      {"uncompressed_bytes", facts->uncompressed_bytes},
      {"files", facts->files},
      {"shared_libs", facts->shared_libs},
  };
  std::printf("%s\n", report.dump(2).c_str());
  if (auto file = flags->Get("report")) {
    if (Status written = WriteReport(*file, report); !written.ok()) {
      return fail(written.message());
    }
  }
  return 0;
}

}  // namespace staticship::release
