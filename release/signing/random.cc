#include "release/signing/random.h"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>

namespace staticship::signing {

struct RandomSource::Contexts {
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
};

RandomSource::RandomSource() : contexts_(std::make_unique<Contexts>()) {
  mbedtls_entropy_init(&contexts_->entropy);
  mbedtls_ctr_drbg_init(&contexts_->drbg);
}

RandomSource::~RandomSource() {
  mbedtls_ctr_drbg_free(&contexts_->drbg);
  mbedtls_entropy_free(&contexts_->entropy);
}

Result<std::unique_ptr<RandomSource>> RandomSource::Create() {
  std::unique_ptr<RandomSource> source(new RandomSource());
  static constexpr unsigned char kPersonalization[] = "staticship-signing";
  const int rc = mbedtls_ctr_drbg_seed(
      &source->contexts_->drbg, mbedtls_entropy_func,
      &source->contexts_->entropy, kPersonalization, sizeof(kPersonalization));
  if (rc != 0) {
    return MakeError(ErrorCode::kInternal,
                     "cannot seed the random generator from the kernel");
  }
  return source;
}

Result<std::string> RandomSource::Bytes(std::size_t count) {
  std::string out(count, '\0');
  if (Generate(this, reinterpret_cast<unsigned char*>(out.data()), count) !=
      0) {
    return MakeError(ErrorCode::kInternal, "random generator failed");
  }
  return out;
}

int RandomSource::Generate(void* self, unsigned char* out, std::size_t size) {
  auto* source = static_cast<RandomSource*>(self);
  // CTR_DRBG hands out at most MBEDTLS_CTR_DRBG_MAX_REQUEST bytes a call.
  while (size > 0) {
    const std::size_t chunk = size < MBEDTLS_CTR_DRBG_MAX_REQUEST
                                  ? size
                                  : MBEDTLS_CTR_DRBG_MAX_REQUEST;
    const int rc =
        mbedtls_ctr_drbg_random(&source->contexts_->drbg, out, chunk);
    if (rc != 0) return rc;
    out += chunk;
    size -= chunk;
  }
  return 0;
}

}  // namespace staticship::signing
