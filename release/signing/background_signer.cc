#include "release/signing/background_signer.h"

#include <utility>

namespace staticship::signing {
namespace {

std::int64_t MsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now() - start)
      .count();
}

}  // namespace

BackgroundSigner::BackgroundSigner(registry::RegistryClient& client,
                                   std::string image_name,
                                   std::string image_digest,
                                   std::vector<Predicate> predicates,
                                   const PrivateKey& key, RandomSource& random)
    : client_(client),
      fork_(client.Fork()),
      image_name_(std::move(image_name)),
      image_digest_(std::move(image_digest)),
      predicates_(std::move(predicates)),
      thread_([this, &key, &random] {
        const auto started = std::chrono::steady_clock::now();
        outcome_ = PushSignatureAndAttestations(
            fork_, image_name_, image_digest_, predicates_, key, random);
        work_ms_ = MsSince(started);
      }) {}

BackgroundSigner::~BackgroundSigner() {
  if (thread_.joinable()) thread_.join();
}

Result<std::vector<Attached>> BackgroundSigner::Wait() {
  const auto started = std::chrono::steady_clock::now();
  if (thread_.joinable()) thread_.join();
  waited_ms_ = MsSince(started);
  client_.AddStats(fork_.stats());
  return std::move(*outcome_);
}

}  // namespace staticship::signing
