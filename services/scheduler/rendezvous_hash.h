// Rendezvous (highest-random-weight) hashing: which of a set of members owns
// a key. Every member computes the same owner from the same set without
// talking to the others, and when a member leaves only its own keys move.
// The scheduler's instances use it to split the candidates between them
// (etcd_view.h); it only steers, claims stay transactions.
#ifndef STATICSHIP_SERVICES_SCHEDULER_RENDEZVOUS_HASH_H_
#define STATICSHIP_SERVICES_SCHEDULER_RENDEZVOUS_HASH_H_

#include <cstdint>
#include <set>
#include <string_view>

namespace staticship::scheduler {

// A fixed function (FNV-1a, then splitmix64's finalizer), not std::hash: the
// instances are separate processes, possibly of different builds, and must
// agree.
uint64_t RendezvousScore(int64_t member, std::string_view key);

// The member with the highest score for `key`; 0 when `members` is empty.
int64_t RendezvousOwner(const std::set<int64_t>& members, std::string_view key);

}  // namespace staticship::scheduler

#endif  // STATICSHIP_SERVICES_SCHEDULER_RENDEZVOUS_HASH_H_
