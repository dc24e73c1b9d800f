#include "release/verify/gate.h"

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "common/base/flags.h"
#include "release/common/report.h"
#include "release/policy/policy.h"
#include "release/registry/connection_flags.h"
#include "release/verify/image_verifier.h"

namespace staticship::verify {

Result<std::vector<std::string>> Refusals(
    registry::RegistryClient& client, const std::string& digest,
    const std::filesystem::path& policy_file, const VerifyOptions& options) {
  Result<policy::Policy> loaded = policy::LoadPolicy(policy_file);
  if (!loaded.ok()) return loaded.error();
  Result<Verdict> verdict = VerifyImage(client, digest, *loaded, options);
  if (!verdict.ok()) return verdict.error();
  std::vector<std::string> lines;
  for (const policy::Violation& v : verdict->violations) {
    lines.push_back(policy::FormatViolation(v, digest));
  }
  return lines;
}

int RunVerify(std::span<char* const> args) {
  using Clock = std::chrono::steady_clock;
  const std::string usage =
      std::string(
          "usage: shipctl verify --policy FILE --ref "
          "HOST:PORT/REPO@sha256:...\n"
          "         [--report FILE]\n") +
      registry::kConnectionFlagsUsage +
      "\nExits 0 only when the image's digests, signatures, attestations,\n"
      "SBOM and provenance satisfy the policy; otherwise prints one line\n"
      "per refusal (rule, what, digest) and exits 1.\n";
  const auto started = Clock::now();
  FlagSpec spec{.values = {"policy", "ref", "report"}};
  registry::AddConnectionFlags(&spec);
  auto [flags, exit_code] = ParseCommand("verify", args, spec, usage);
  if (!flags) return exit_code;
  const CommandFailure fail("verify");
  Result<std::string> policy_file = flags->Require("policy");
  if (!policy_file.ok()) return fail(policy_file.message());
  Result<registry::Reference> ref = registry::RequireDigestReference(*flags);
  if (!ref.ok()) return fail(ref.message());
  Result<policy::Policy> loaded = policy::LoadPolicy(*policy_file);
  if (!loaded.ok()) return fail(loaded.message());
  Result<std::unique_ptr<registry::RegistryConnection>> connection =
      registry::OpenRegistryConnection(*flags, *ref, "pull");
  if (!connection.ok()) return fail(connection.message());
  Result<Verdict> verdict =
      VerifyImage((*connection)->client(), ref->digest, *loaded);
  if (!verdict.ok()) return fail(verdict.message());
  const long long ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           Clock::now() - started)
                           .count();
  std::vector<std::string> lines;
  for (const policy::Violation& v : verdict->violations) {
    lines.push_back(policy::FormatViolation(v, ref->digest));
    std::fprintf(stderr, "verify: %s\n", lines.back().c_str());
  }
  if (lines.empty()) {
    std::string types;
    for (const std::string& t : verdict->attestations) {
      types += (types.empty() ? "" : ", ") + t;
    }
    std::printf("verify: %s@%s passes %s: %d signature(s), attestations: %s\n",
                ref->Name().c_str(), ref->digest.c_str(), policy_file->c_str(),
                verdict->signatures, types.empty() ? "none" : types.c_str());
  }
  std::printf("verify: %lld ms\n", ms);
  if (auto report = flags->Get("report")) {
    Status written = release::WriteReport(
        *report, {{"command", "verify"},
                  {"repository", ref->Name()},
                  {"digest", ref->digest},
                  {"passed", lines.empty()},
                  {"refusals", lines},
                  {"signatures", verdict->signatures},
                  {"attestations", verdict->attestations},
                  {"bytes_fetched", verdict->bytes_fetched},
                  {"duration_ms", ms}});
    if (!written.ok()) return fail(written.message());
  }
  return lines.empty() ? 0 : 1;
}

}  // namespace staticship::verify
