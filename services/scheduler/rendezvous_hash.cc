#include "services/scheduler/rendezvous_hash.h"

namespace staticship::scheduler {
namespace {

uint64_t Finalize(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

}  // namespace

uint64_t RendezvousScore(int64_t member, std::string_view key) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : key) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  // Mixing the member in after the key keeps the scores of one key under
  // different members independent.
  return Finalize(h ^ Finalize(static_cast<uint64_t>(member)));
}

int64_t RendezvousOwner(const std::set<int64_t>& members,
                        std::string_view key) {
  int64_t owner = 0;
  uint64_t best = 0;
  for (int64_t member : members) {
    uint64_t score = RendezvousScore(member, key);
    if (owner == 0 || score > best) {
      owner = member;
      best = score;
    }
  }
  return owner;
}

}  // namespace staticship::scheduler
