// Random bytes for keys, salts and ECDSA blinding: Mbed TLS's CTR_DRBG,
// seeded from the kernel's entropy. The contexts point at each other, so
// the source lives behind a pointer and never moves.
#ifndef STATICSHIP_RELEASE_SIGNING_RANDOM_H_
#define STATICSHIP_RELEASE_SIGNING_RANDOM_H_

#include <cstddef>
#include <memory>
#include <string>

#include "common/base/result.h"

namespace staticship::signing {

class RandomSource {
 public:
  static Result<std::unique_ptr<RandomSource>> Create();
  ~RandomSource();
  RandomSource(const RandomSource&) = delete;
  RandomSource& operator=(const RandomSource&) = delete;

  Result<std::string> Bytes(std::size_t count);

  // What Mbed TLS's f_rng/p_rng parameters take.
  static int Generate(void* self, unsigned char* out, std::size_t size);

 private:
  RandomSource();
  struct Contexts;
  std::unique_ptr<Contexts> contexts_;
};

}  // namespace staticship::signing

#endif  // STATICSHIP_RELEASE_SIGNING_RANDOM_H_
