#include "release/signing/provenance.h"

#include <cctype>
#include <nlohmann/json.hpp>

namespace staticship::signing {
namespace {

using ordered_json = nlohmann::ordered_json;

bool IsHex(std::string_view text) {
  for (char c : text) {
    if (!std::isxdigit(static_cast<unsigned char>(c)) ||
        std::isupper(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return !text.empty();
}

bool Digits(std::string_view text, std::size_t at, std::size_t count) {
  if (text.size() < at + count) return false;
  for (std::size_t i = at; i < at + count; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

}  // namespace

bool IsRfc3339(std::string_view t) {
  // YYYY-MM-DDTHH:MM:SS
  if (!Digits(t, 0, 4) || t.size() < 20 || t[4] != '-' || !Digits(t, 5, 2) ||
      t[7] != '-' || !Digits(t, 8, 2) || (t[10] != 'T' && t[10] != 't') ||
      !Digits(t, 11, 2) || t[13] != ':' || !Digits(t, 14, 2) || t[16] != ':' ||
      !Digits(t, 17, 2)) {
    return false;
  }
  std::size_t i = 19;
  if (t[i] == '.') {
    const std::size_t start = ++i;
    while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i]))) ++i;
    if (i == start) return false;
  }
  std::string_view zone = t.substr(i);
  if (zone == "Z" || zone == "z") return true;
  return zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') &&
         Digits(zone, 1, 2) && zone[3] == ':' && Digits(zone, 4, 2);
}

Result<ordered_json> MakeProvenance(
    const ProvenanceRequest& r,
    const std::map<std::string, release::LockedComponent>& locked) {
  auto invalid = [](const std::string& message) {
    return MakeError(ErrorCode::kInvalidArgument, message);
  };
  if (!r.target.starts_with("//") && !r.target.starts_with("@")) {
    return invalid("--target '" + r.target + "' is not a Bazel label");
  }
  const bool has_source = !r.source_repository.empty();
  if (has_source != !r.source_commit.empty()) {
    return invalid(
        "--source-repository and --source-commit go together (neither: an "
        "image built outside a checkout)");
  }
  if (!has_source && !r.source_ref.empty()) {
    return invalid("--source-ref without --source-repository");
  }
  if (!r.source_ref.empty() && !r.source_ref.starts_with("refs/")) {
    return invalid("--source-ref '" + r.source_ref +
                   "' is not a full ref (refs/heads/…, refs/tags/…)");
  }
  if (has_source &&
      (!IsHex(r.source_commit) ||
       (r.source_commit.size() != 40 && r.source_commit.size() != 64))) {
    return invalid("--source-commit '" + r.source_commit +
                   "' is not a full lowercase hex commit id");
  }
  if (r.target_triple.empty()) return invalid("--target-triple is empty");
  if (r.builder_id.empty()) return invalid("--builder-id is empty");
  if (r.invocation_id.empty()) return invalid("--invocation-id is empty");
  for (const auto& [flag, value] :
       {std::pair{"--started-on", &r.started_on},
        std::pair{"--finished-on", &r.finished_on}}) {
    if (!IsRfc3339(*value)) {
      return invalid(std::string(flag) + " '" + *value +
                     "' is not an RFC 3339 time");
    }
  }
  auto zig = locked.find("zig_sdk");
  if (zig == locked.end()) {
    return invalid("deps.json has no zig_sdk entry (the toolchain)");
  }

  ordered_json external;
  external["target"] = r.target;
  external["flags"] = r.flags;
  if (has_source) {
    ordered_json source;
    source["repository"] = r.source_repository;
    if (!r.source_ref.empty()) source["ref"] = r.source_ref;
    source["commit"] = r.source_commit;
    external["source"] = std::move(source);
  }

  ordered_json internal;
  internal["toolchain"]["zig"] = zig->second.version;
  internal["toolchain"]["target"] = r.target_triple;

  ordered_json dependencies = ordered_json::array();
  if (has_source) {
    ordered_json commit;
    commit["uri"] = "git+" + r.source_repository + "@" +
                    (r.source_ref.empty() ? r.source_commit : r.source_ref);
    commit["digest"]["gitCommit"] = r.source_commit;
    dependencies.push_back(std::move(commit));
  }
  for (const auto& [id, c] : locked) {  // std::map: sorted, reproducible
    ordered_json dep;
    dep["name"] = id;
    if (c.purl.empty()) return invalid("deps.json: " + id + " has no purl");
    dep["uri"] = c.purl;
    if (!c.sha256.empty()) dep["digest"]["sha256"] = c.sha256;
    // bundled_in entries have no file: the digest of the input that ships
    // them covers them.
    if (!c.bundled_in.empty()) {
      dep["annotations"]["bundledIn"] = c.bundled_in;
    }
    if (!c.use.empty()) dep["annotations"]["use"] = c.use;
    dependencies.push_back(std::move(dep));
  }

  ordered_json predicate;
  predicate["buildDefinition"]["buildType"] = kBuildType;
  predicate["buildDefinition"]["externalParameters"] = std::move(external);
  predicate["buildDefinition"]["internalParameters"] = std::move(internal);
  predicate["buildDefinition"]["resolvedDependencies"] =
      std::move(dependencies);
  predicate["runDetails"]["builder"]["id"] = r.builder_id;
  predicate["runDetails"]["metadata"]["invocationId"] = r.invocation_id;
  predicate["runDetails"]["metadata"]["startedOn"] = r.started_on;
  predicate["runDetails"]["metadata"]["finishedOn"] = r.finished_on;
  return predicate;
}

}  // namespace staticship::signing
