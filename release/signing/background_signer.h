// Runs `push --sign-key`'s signing beside the image upload. The manifest
// digest is known from the layout before the first byte is sent, and
// nothing refers to the .sig and .att tags until the image tag moves, so
// the signatures and attestations can be made and written on their own
// connection while the blobs go up on the push's. The push then waits only
// for what is left of them before it sets the tag: a tag still never names
// an unsigned image.
#ifndef STATICSHIP_RELEASE_SIGNING_BACKGROUND_SIGNER_H_
#define STATICSHIP_RELEASE_SIGNING_BACKGROUND_SIGNER_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/base/result.h"
#include "release/registry/registry_client.h"
#include "release/signing/attach.h"
#include "release/signing/keys.h"
#include "release/signing/random.h"

namespace staticship::signing {

class BackgroundSigner {
 public:
  // Starts PushSignatureAndAttestations on a fork of `client`, on a thread
  // of its own. `key` and `random` belong to that thread until Wait()
  // returns (Mbed TLS's key and generator state are not shared).
  BackgroundSigner(registry::RegistryClient& client, std::string image_name,
                   std::string image_digest, std::vector<Predicate> predicates,
                   const PrivateKey& key, RandomSource& random);
  ~BackgroundSigner();  // joins, so an abandoned push never leaks the thread
  BackgroundSigner(const BackgroundSigner&) = delete;
  BackgroundSigner& operator=(const BackgroundSigner&) = delete;

  // Joins the thread, adds its transfers to the client's stats, and
  // returns what was attached. Call once.
  Result<std::vector<Attached>> Wait();

  // Valid after Wait(): how long the signing thread ran, and how long
  // Wait() blocked, i.e. the time signing added to the push.
  std::int64_t work_ms() const { return work_ms_; }
  std::int64_t waited_ms() const { return waited_ms_; }

 private:
  registry::RegistryClient& client_;
  registry::RegistryClient fork_;
  const std::string image_name_;
  const std::string image_digest_;
  const std::vector<Predicate> predicates_;
  std::optional<Result<std::vector<Attached>>> outcome_;
  std::int64_t work_ms_ = 0;
  std::int64_t waited_ms_ = 0;
  std::thread thread_;  // last: starts once the members above exist
};

}  // namespace staticship::signing

#endif  // STATICSHIP_RELEASE_SIGNING_BACKGROUND_SIGNER_H_
