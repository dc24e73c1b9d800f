#include "services/scheduler/etcd_zone_source.h"

#include <algorithm>

#include "services/scheduler/etcd_codec.h"
#include "services/scheduler/etcd_watch.h"

namespace staticship::scheduler {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kWatchPoll{200};
constexpr int64_t kRetryBaseMs = 100;
constexpr int64_t kRetryMaxMs = 2000;

}  // namespace

EtcdZoneSource::EtcdZoneSource(EtcdZoneSourceOptions options,
                               ZonesConfig file_zones, ZoneDirectory* directory)
    : options_(std::move(options)),
      zones_prefix_(options_.prefix + "zones/"),
      directory_(directory),
      client_(options_.endpoints, options_.request_timeout),
      table_(zones_prefix_, std::move(file_zones)) {}

EtcdZoneSource::~EtcdZoneSource() { Stop(); }

Status EtcdZoneSource::Start() {
  if (Status s = List(); !s.ok()) return s;
  watcher_ = std::thread(
      [this, rng = SeededRng(options_.seed)] { WatchLoop(std::move(rng)); });
  return Status::Ok();
}

void EtcdZoneSource::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (watcher_.joinable()) watcher_.join();
}

void EtcdZoneSource::SetFileZones(ZonesConfig file_zones) {
  std::lock_guard<std::mutex> lock(mu_);
  table_.SetFileZones(std::move(file_zones));
  PublishLocked({});
}

EtcdZoneSource::Counts EtcdZoneSource::counts() const {
  std::lock_guard<std::mutex> lock(mu_);
  return counts_;
}

Status EtcdZoneSource::List() {
  auto range = client_.RangePrefix(zones_prefix_);
  if (!range.ok()) {
    return WithContext(range.error(), "listing " + zones_prefix_);
  }
  std::lock_guard<std::mutex> lock(mu_);
  PublishLocked(table_.Replace(range->kvs));
  next_revision_ = range->revision + 1;
  ++counts_.relists_total;
  return Status::Ok();
}

void EtcdZoneSource::PublishLocked(const std::vector<std::string>& problems) {
  for (const std::string& problem : problems) {
    if (options_.log) options_.log(problem);
  }
  counts_.refused_total += problems.size();
  counts_.etcd_zones = table_.etcd_zone_count();
  directory_->Replace(table_.Merged());
}

bool EtcdZoneSource::SleepUnlessStopping(milliseconds d) {
  std::unique_lock<std::mutex> lock(mu_);
  return !stop_cv_.wait_for(lock, d, [this] { return stopping_; });
}

void EtcdZoneSource::WatchLoop(Backoff::Rng rng) {
  const Backoff backoff(std::move(rng), kRetryMaxMs);
  etcd::EtcdWatch watch;
  const auto& endpoints = client_.endpoints();
  size_t endpoint = 0;
  int failures = 0;  // in a row
  bool relist = false;
  std::string last_problem;
  // Logs a failure once per kind, not once per retry.
  auto fail = [&](const std::string& why) {
    if (why != last_problem && options_.log) {
      options_.log("zones watch: " + why + " (retrying)");
    }
    last_problem = why;
    watch.Close();
    ++endpoint;  // the next member may be up
    return SleepUnlessStopping(
        milliseconds(backoff.DelayMs(kRetryBaseMs, ++failures)));
  };
  for (;;) {
    if (!SleepUnlessStopping(milliseconds(0))) return;
    if (relist) {
      if (Status s = List(); !s.ok()) {
        if (!fail(s.message())) return;
        continue;
      }
      relist = false;
    }
    int64_t from;
    {
      std::lock_guard<std::mutex> lock(mu_);
      from = next_revision_;
    }
    std::string url = endpoints[endpoint % endpoints.size()];
    if (Status s =
            watch.Open(url, zones_prefix_, from, options_.request_timeout);
        !s.ok()) {
      if (!fail(url + ": " + s.message())) return;
      continue;
    }
    for (;;) {
      auto line = watch.Next(kWatchPoll);
      if (!line.ok()) {
        if (!fail(url + ": " + line.message())) return;
        break;
      }
      if (line->empty()) {
        if (!SleepUnlessStopping(milliseconds(0))) return;
        continue;
      }
      auto message = etcd::ParseWatchLine(*line);
      if (!message.ok()) {
        if (!fail(message.message())) return;
        break;
      }
      if (message->compact_revision > 0 || message->canceled) {
        // etcd#9386: that revision is gone for good; a fresh list is the
        // current state.
        if (options_.log) {
          options_.log("zones watch canceled (compacted at " +
                       std::to_string(message->compact_revision) +
                       "); re-listing " + zones_prefix_);
        }
        relist = true;
        watch.Close();
        break;
      }
      if (message->created) {
        if (!last_problem.empty() && options_.log) {
          options_.log("zones watch: works again, from revision " +
                       std::to_string(from));
        }
        last_problem.clear();
        failures = 0;
      }
      if (message->events.empty()) continue;
      std::lock_guard<std::mutex> lock(mu_);
      for (const etcd::Event& event : message->events) {
        next_revision_ = std::max(next_revision_, event.kv.mod_revision + 1);
      }
      PublishLocked(table_.Apply(message->events));
    }
  }
}

}  // namespace staticship::scheduler
