// The verification gate of `shipctl verify` and `shipctl deploy --policy`:
// an image passes only when every rule holds.
//
//   digest        the manifest (and an index's manifests) and every blob
//                 fetched match their digests
//   signature     sha256-<hex>.sig holds signatures, each by a trusted key
//                 over a payload that names exactly this digest
//   attestation   every layer of sha256-<hex>.att is a DSSE envelope signed
//                 by a trusted key whose in-toto subject is this digest, and
//                 each required predicate type is among them
//   sbom-complete the SBOM attestation names every purl of the image
//                 config's dev.staticship.linked-inputs label
//   license, vulnerability, source   release/policy's rules over the
//                 attested SBOM and provenance
//
// Strict by design: an extra signature or attestation that does not verify
// refuses the image too, since nobody but the release signer writes those
// tags (trust more signers by listing their keys in the policy).
#ifndef STATICSHIP_RELEASE_VERIFY_IMAGE_VERIFIER_H_
#define STATICSHIP_RELEASE_VERIFY_IMAGE_VERIFIER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "release/policy/policy.h"
#include "release/registry/registry_client.h"

namespace staticship::verify {

struct Verdict {
  std::vector<policy::Violation> violations;  // empty: the image passes
  int signatures = 0;                         // verified signatures
  std::vector<std::string> attestations;      // verified predicate types
  std::int64_t bytes_fetched = 0;
};

struct VerifyOptions {
  // false: the image's layers are not fetched; only for a caller that pulls
  // them next and checks each against its digest itself (`deploy`), so
  // the gate does not download the image twice. Manifests and configs are
  // always fetched and checked: the SBOM rule reads the configs.
  bool fetch_layers = true;
};

// `digest` is "sha256:<hex>" in the client's repository. An error only
// when the check could not be made (a trusted key file unreadable); what
// the registry serves or lacks is a violation.
Result<Verdict> VerifyImage(registry::RegistryClient& client,
                            const std::string& digest,
                            const policy::Policy& policy,
                            const VerifyOptions& options = {});

}  // namespace staticship::verify

#endif  // STATICSHIP_RELEASE_VERIFY_IMAGE_VERIFIER_H_
