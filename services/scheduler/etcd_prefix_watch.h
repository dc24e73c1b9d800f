// The list/watch/re-list loop that keeps a caller's copy of every key under
// a prefix in step with etcd, shared by the task store and the zone source
// so that both recover from the same failures the same way.
//
// A watch starts at the revision after the copy's newest and is opened on
// the next member after every failure (that member may be up), after a
// jittered exponential backoff. When etcd cancels the watch because that
// revision was compacted away (etcd#9386), retrying it would fail forever:
// the loop lists the prefix again and watches from the list's revision.
//
//   RunPrefixWatch({.endpoints = ..., .prefix = ...},
//                  {.list = ..., .next_revision = ..., ...}, rng);
#ifndef STATICSHIP_SERVICES_SCHEDULER_ETCD_PREFIX_WATCH_H_
#define STATICSHIP_SERVICES_SCHEDULER_ETCD_PREFIX_WATCH_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/base/backoff.h"
#include "common/base/result.h"
#include "services/scheduler/etcd_codec.h"

namespace staticship::scheduler::etcd {

struct PrefixWatchOptions {
  std::vector<std::string> endpoints;
  std::string prefix;
  std::chrono::milliseconds connect_timeout{3000};
  // False when the caller has listed already and the copy is current.
  bool list_first = true;
  // Put before "<url>: <error>" when opening or reading a watch fails, so
  // that each caller's messages keep the wording its operators know.
  std::string stream_error_prefix;
};

// Called on the loop's thread only.
struct PrefixWatchHooks {
  // Replaces the copy with a full read of the prefix, which also moves the
  // revision to watch from.
  std::function<Status()> list;
  // The copy's newest revision + 1.
  std::function<int64_t()> next_revision;
  std::function<void(const std::vector<Event>&)> apply;
  // etcd confirmed a watch on `url`.
  std::function<void(const std::string& url, int64_t from_revision)> healthy;
  // Listing, opening or reading failed; the loop retries.
  std::function<void(const std::string& why)> failure;
  // etcd canceled the watch (compacted); the loop re-lists next.
  std::function<void(const WatchMessage&)> compacted;
  // Sleeps up to `d`; false, at once, when the caller is stopping.
  std::function<bool(std::chrono::milliseconds d)> sleep;
};

// Returns once hooks.sleep says the caller is stopping (within one poll of
// the stream, 200 ms).
void RunPrefixWatch(const PrefixWatchOptions& options,
                    const PrefixWatchHooks& hooks, Backoff::Rng rng);

}  // namespace staticship::scheduler::etcd

#endif  // STATICSHIP_SERVICES_SCHEDULER_ETCD_PREFIX_WATCH_H_
