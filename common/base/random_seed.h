// Seeds for pseudo-random generators that work in an empty root file
// system. std::random_device in libc++ on musl opens /dev/urandom and throws
// when it is absent (a scratch image run without /dev, or our rootfs test);
// the getrandom(2) system call needs no file.
#ifndef STATICSHIP_COMMON_BASE_RANDOM_SEED_H_
#define STATICSHIP_COMMON_BASE_RANDOM_SEED_H_

#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>

namespace staticship {

inline uint64_t RandomSeed() {
  uint64_t seed = 0;
  if (getrandom(&seed, sizeof(seed), 0) == sizeof(seed)) return seed;
  // Old kernels without getrandom: not secret, but distinct per process
  // and call, which is all jitter and request ids need.
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  seed = static_cast<uint64_t>(now.tv_sec) * 1000000007u ^
         static_cast<uint64_t>(now.tv_nsec) ^
         (static_cast<uint64_t>(getpid()) << 40) ^
         reinterpret_cast<uintptr_t>(&seed);
  return seed;
}

}  // namespace staticship

#endif  // STATICSHIP_COMMON_BASE_RANDOM_SEED_H_
