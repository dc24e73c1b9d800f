#include "services/scheduler/etcd_prefix_watch.h"

#include "services/scheduler/etcd_watch.h"

namespace staticship::scheduler::etcd {
namespace {

using std::chrono::milliseconds;

// How often a quiet stream checks whether to stop.
constexpr milliseconds kWatchPoll{200};
// Full jitter: members coming back are not hit by every watcher at once.
constexpr int64_t kRetryBaseMs = 100;
constexpr int64_t kRetryMaxMs = 2000;

}  // namespace

void RunPrefixWatch(const PrefixWatchOptions& options,
                    const PrefixWatchHooks& hooks, Backoff::Rng rng) {
  const Backoff backoff(std::move(rng), kRetryMaxMs);
  EtcdWatch watch;
  bool relist = options.list_first;
  size_t endpoint = 0;
  int failures = 0;  // in a row
  auto fail = [&](const std::string& why) {
    hooks.failure(why);
    watch.Close();
    ++endpoint;  // the next member may be up
    return hooks.sleep(milliseconds(backoff.DelayMs(kRetryBaseMs, ++failures)));
  };
  for (;;) {
    if (!hooks.sleep(milliseconds(0))) return;
    if (relist) {
      if (Status s = hooks.list(); !s.ok()) {
        if (!fail(s.message())) return;
        continue;
      }
      relist = false;
    }
    const int64_t from = hooks.next_revision();
    const std::string& url =
        options.endpoints[endpoint % options.endpoints.size()];
    if (Status s =
            watch.Open(url, options.prefix, from, options.connect_timeout);
        !s.ok()) {
      if (!fail(options.stream_error_prefix + url + ": " + s.message())) {
        return;
      }
      continue;
    }
    for (;;) {
      auto line = watch.Next(kWatchPoll);
      if (!line.ok()) {
        if (!fail(options.stream_error_prefix + url + ": " + line.message())) {
          return;
        }
        break;
      }
      if (line->empty()) {
        if (!hooks.sleep(milliseconds(0))) return;
        continue;
      }
      auto message = ParseWatchLine(*line);
      if (!message.ok()) {
        if (!fail(message.message())) return;
        break;
      }
      if (message->compact_revision > 0 || message->canceled) {
        // etcd#9386: the revision we asked for is gone. Retrying it would
        // fail forever; the current state is in a fresh list.
        hooks.compacted(*message);
        relist = true;
        watch.Close();
        break;
      }
      if (message->created) {
        hooks.healthy(url, from);
        failures = 0;
      }
      hooks.apply(message->events);
    }
  }
}

}  // namespace staticship::scheduler::etcd
