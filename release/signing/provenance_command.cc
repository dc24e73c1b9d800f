#include <cstdio>
#include <nlohmann/json.hpp>

#include "common/base/file.h"
#include "common/base/flags.h"
#include "release/sbom/spdx.h"
#include "release/signing/commands.h"
#include "release/signing/provenance.h"

namespace staticship::signing {

int RunProvenance(std::span<char* const> args) {
  constexpr char kUsage[] =
      "usage: shipctl provenance --target //pkg:image [--flag=F ...]\n"
      "         [--source-repository URL --source-commit HEX\n"
      "          [--source-ref refs/heads/main]]   (none: built outside a "
      "checkout)\n"
      "         --target-triple x86_64-linux-musl\n"
      "         --builder-id URI --invocation-id ID\n"
      "         --started-on RFC3339 --finished-on RFC3339\n"
      "         --deps-json deps.json --out FILE\n"
      "Writes the SLSA provenance v1 predicate of one image build (every\n"
      "deps.lock entry is a resolved dependency), for `attest` or `push\n"
      "--provenance`.\n";
  auto [flags, exit_code] =
      ParseCommand("provenance", args,
                   {.values = {"target", "flag", "source-repository",
                               "source-ref", "source-commit", "target-triple",
                               "builder-id", "invocation-id", "started-on",
                               "finished-on", "deps-json", "out"}},
                   kUsage);
  if (!flags) return exit_code;
  const CommandFailure fail("provenance");
  ProvenanceRequest request;
  const std::pair<const char*, std::string*> required[] = {
      {"target", &request.target},
      {"target-triple", &request.target_triple},
      {"builder-id", &request.builder_id},
      {"invocation-id", &request.invocation_id},
      {"started-on", &request.started_on},
      {"finished-on", &request.finished_on}};
  for (const auto& [flag, field] : required) {
    Result<std::string> value = flags->Require(flag);
    if (!value.ok()) return fail(value.message());
    *field = *value;
  }
  request.source_repository = flags->GetOr("source-repository", "");
  request.source_ref = flags->GetOr("source-ref", "");
  request.source_commit = flags->GetOr("source-commit", "");
  request.flags = flags->GetAll("flag");
  Result<std::string> deps_path = flags->Require("deps-json");
  if (!deps_path.ok()) return fail(deps_path.message());
  Result<std::string> out = flags->Require("out");
  if (!out.ok()) return fail(out.message());
  Result<std::string> deps = ReadWholeFile(*deps_path);
  if (!deps.ok()) return fail(deps.message());
  auto locked = release::ParseDepsJson(*deps);
  if (!locked.ok()) return fail(locked.message());
  auto predicate = MakeProvenance(request, *locked);
  if (!predicate.ok()) return fail(predicate.message());
  if (Status s = WriteFileAtomically(*out, predicate->dump(2) + "\n");
      !s.ok()) {
    return fail(s.message());
  }
  std::printf("provenance: %s (%zu resolved dependencies)\n", out->c_str(),
              (*predicate)["buildDefinition"]["resolvedDependencies"].size());
  return 0;
}

}  // namespace staticship::signing
