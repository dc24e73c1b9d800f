// `shipctl verify` and the check `shipctl deploy --policy` runs before it
// pulls anything into a bundle.
#ifndef STATICSHIP_RELEASE_VERIFY_GATE_H_
#define STATICSHIP_RELEASE_VERIFY_GATE_H_

#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "release/registry/registry_client.h"
#include "release/verify/image_verifier.h"

namespace staticship::verify {

// Loads the policy and verifies `digest`; the refusals, one line each
// (policy::FormatViolation), empty when the image passes. An error when
// the policy itself is bad.
Result<std::vector<std::string>> Refusals(
    registry::RegistryClient& client, const std::string& digest,
    const std::filesystem::path& policy_file,
    const VerifyOptions& options = {});

// `shipctl verify --policy FILE --ref HOST:PORT/REPO@sha256:…
//  [--auth-file F] [--insecure-http] [--timeout 60s] [--report FILE]`
int RunVerify(std::span<char* const> args);

}  // namespace staticship::verify

#endif  // STATICSHIP_RELEASE_VERIFY_GATE_H_
