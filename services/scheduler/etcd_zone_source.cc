#include "services/scheduler/etcd_zone_source.h"

#include <algorithm>

#include "services/scheduler/etcd_codec.h"
#include "services/scheduler/etcd_prefix_watch.h"

namespace staticship::scheduler {

using std::chrono::milliseconds;

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
  // A failure is logged once per kind, not once per retry.
  std::string last_problem;
  etcd::RunPrefixWatch(
      {.endpoints = client_.endpoints(),
       .prefix = zones_prefix_,
       .connect_timeout = options_.request_timeout,
       .list_first = false,  // Start() has listed
       .stream_error_prefix = ""},
      {.list = [this] { return List(); },
       .next_revision =
           [this] {
             std::lock_guard<std::mutex> lock(mu_);
             return next_revision_;
           },
       .apply =
           [this](const std::vector<etcd::Event>& events) {
             if (events.empty()) return;
             std::lock_guard<std::mutex> lock(mu_);
             for (const etcd::Event& event : events) {
               next_revision_ =
                   std::max(next_revision_, event.kv.mod_revision + 1);
             }
             PublishLocked(table_.Apply(events));
           },
       .healthy =
           [this, &last_problem](const std::string&, int64_t from) {
             if (!last_problem.empty() && options_.log) {
               options_.log("zones watch: works again, from revision " +
                            std::to_string(from));
             }
             last_problem.clear();
           },
       .failure =
           [this, &last_problem](const std::string& why) {
             if (why != last_problem && options_.log) {
               options_.log("zones watch: " + why + " (retrying)");
             }
             last_problem = why;
           },
       .compacted =
           [this](const etcd::WatchMessage& message) {
             if (options_.log) {
               options_.log("zones watch canceled (compacted at " +
                            std::to_string(message.compact_revision) +
                            "); re-listing " + zones_prefix_);
             }
           },
       .sleep = [this](milliseconds d) { return SleepUnlessStopping(d); }},
      std::move(rng));
}

}  // namespace staticship::scheduler
