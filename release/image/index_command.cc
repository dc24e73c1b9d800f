#include "release/image/index_command.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "common/base/flags.h"
#include "release/image/pack.h"

namespace staticship::release {
namespace {

constexpr char kUsage[] = R"(usage: shipctl index [flags] [@params-file]
(--flag=value and --flag value alike; @FILE reads arguments from FILE)
  --layout=DIR        a single-platform layout from `shipctl pack` (repeatable)
  --tag=TAG           ref.name of the index in index.json (default latest)
  --out-layout=DIR    the combined layout
  --out-digest=FILE   the index digest
  --quiet
)";

// Copies one blob between layouts, verifying it on the way.
Status CopyBlob(const OciLayout& from, OciLayout& to,
                const Descriptor& descriptor, std::string* bytes_out) {
  auto bytes = from.ReadBlob(descriptor.digest, descriptor.size);
  if (!bytes.ok()) return bytes.error();
  if (auto d = to.WriteBlob(*bytes); !d.ok()) return d.error();
  if (bytes_out) *bytes_out = std::move(*bytes);
  return Status::Ok();
}

Result<Platform> PlatformFromConfig(std::string_view config_json) {
  const auto j = nlohmann::json::parse(config_json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return MakeError("image config is not a JSON object");
  }
  Platform p;
  p.os = j.value("os", "");
  p.architecture = j.value("architecture", "");
  p.variant = j.value("variant", "");
  if (p.os.empty() || p.architecture.empty()) {
    return MakeError("image config has no os/architecture");
  }
  return p;
}

}  // namespace

Result<IndexResult> BuildIndexLayout(const std::vector<std::string>& inputs,
                                     const std::string& out_layout,
                                     const std::string& tag) {
  if (inputs.empty()) return MakeError("no --layout given");
  if (!IsValidTag(tag)) return MakeError("invalid tag '" + tag + "'");
  auto out = OciLayout::Create(out_layout);
  if (!out.ok()) return out.error();

  IndexResult result;
  std::set<std::string> platforms;
  for (const std::string& input : inputs) {
    auto in = OciLayout::Open(input);
    if (!in.ok()) return in.error();
    auto index = in->ReadIndex();
    if (!index.ok()) return MakeError(input + ": " + index.message());
    for (const Descriptor& listed : index->manifests) {
      if (listed.media_type != kMediaTypeImageManifest) {
        return MakeError(input + ": only image manifests can be indexed");
      }
      std::string manifest_bytes;
      if (Status s = CopyBlob(*in, *out, listed, &manifest_bytes); !s.ok()) {
        return s.error();
      }
      const auto manifest =
          nlohmann::json::parse(manifest_bytes, nullptr, false);
      if (manifest.is_discarded() || !manifest.contains("config") ||
          !manifest.contains("layers")) {
        return MakeError(input + ": manifest has no config or layers");
      }
      auto config = ParseDescriptor(manifest["config"].dump());
      if (!config.ok()) return config.error();
      std::string config_bytes;
      if (Status s = CopyBlob(*in, *out, *config, &config_bytes); !s.ok()) {
        return s.error();
      }
      for (const auto& layer_json : manifest["layers"]) {
        auto layer = ParseDescriptor(layer_json.dump());
        if (!layer.ok()) return layer.error();
        if (Status s = CopyBlob(*in, *out, *layer, nullptr); !s.ok()) {
          return s.error();
        }
      }
      // The config is the authority on the platform.
      auto platform = PlatformFromConfig(config_bytes);
      if (!platform.ok()) return platform.error();
      const std::string key =
          platform->os + "/" + platform->architecture + "/" + platform->variant;
      if (!platforms.insert(key).second) {
        return MakeError("two images for platform " + platform->os + "/" +
                         platform->architecture);
      }
      Descriptor entry{std::string(kMediaTypeImageManifest),
                       listed.digest,
                       listed.size,
                       *platform,
                       {}};
      result.manifests.push_back(std::move(entry));
    }
  }
  // Stable order regardless of the order of --layout flags.
  std::sort(result.manifests.begin(), result.manifests.end(),
            [](const Descriptor& a, const Descriptor& b) {
              return std::tie(a.platform->os, a.platform->architecture,
                              a.platform->variant) <
                     std::tie(b.platform->os, b.platform->architecture,
                              b.platform->variant);
            });
  const std::string index_json = SerializeImageIndex(result.manifests);
  auto index_blob = out->WriteBlob(index_json, kMediaTypeImageIndex);
  if (!index_blob.ok()) return index_blob.error();
  result.index = *index_blob;
  result.index.annotations[std::string(kAnnotationRefName)] = tag;
  if (Status s = out->WriteIndex({result.index}); !s.ok()) return s.error();
  return result;
}

int RunIndex(std::span<char* const> args) {
  const auto start = std::chrono::steady_clock::now();
  auto flags = ParseCommandLine(
      args, {.values = {"layout", "tag", "out-layout", "out-digest"},
             .switches = {"quiet", "help"}});
  if (!flags.ok()) {
    std::fprintf(stderr, "shipctl index: %s (see shipctl index --help)\n",
                 flags.message().c_str());
    return 2;
  }
  if (flags->GetBool("help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  const std::string out_layout = flags->GetOr("out-layout", "");
  if (out_layout.empty()) {
    std::fprintf(stderr, "shipctl index: --out-layout is required\n");
    return 2;
  }
  StagedOutputs staged;
  auto dir = staged.StageDirectory(out_layout);
  if (!dir.ok()) {
    std::fprintf(stderr, "shipctl index: %s\n", dir.message().c_str());
    return 1;
  }
  auto result = BuildIndexLayout(flags->GetAll("layout"), *dir,
                                 flags->GetOr("tag", "latest"));
  if (!result.ok()) {
    std::fprintf(stderr, "shipctl index: %s\n", result.message().c_str());
    return 1;
  }
  if (const std::string digest_file = flags->GetOr("out-digest", "");
      !digest_file.empty()) {
    if (auto t = staged.StageFile(digest_file, result->index.digest + "\n");
        !t.ok()) {
      std::fprintf(stderr, "shipctl index: %s\n", t.message().c_str());
      return 1;
    }
  }
  if (Status s = staged.Commit(); !s.ok()) {
    std::fprintf(stderr, "shipctl index: %s\n", s.message().c_str());
    return 1;
  }
  if (!flags->GetBool("quiet")) {
    const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - start)
                            .count();
    std::printf("index: %lld ms %s (%zu platforms)\n",
                static_cast<long long>(millis), result->index.digest.c_str(),
                result->manifests.size());
  }
  return 0;
}

}  // namespace staticship::release
