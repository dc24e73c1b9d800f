#include "services/scheduler/zone_directory.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace staticship::scheduler {
namespace {

// A config whose every zone names the generation it was made in, so that a
// reader can tell a torn config (zones of two generations) from a whole one.
ZonesConfig Generation(int n) {
  ZonesConfig config;
  for (int z = 0; z < 1 + n % 4; ++z) {
    Zone zone;
    zone.id = "zone-" + std::to_string(z);
    zone.endpoints.push_back({"127.0.0.1:" + std::to_string(1000 + n), 1});
    zone.max_in_flight = n + 1;
    config.zones.emplace(zone.id, std::move(zone));
  }
  return config;
}

TEST(ZoneDirectoryTest, ReplaceIsSeenByLaterSnapshotsOnly) {
  ZoneDirectory directory(Generation(0));
  auto before = directory.Snapshot();
  EXPECT_TRUE(directory.Known("zone-0"));
  EXPECT_FALSE(directory.Known("zone-1"));
  directory.Replace(Generation(1));
  EXPECT_TRUE(directory.Known("zone-1"));
  EXPECT_EQ(directory.CapFor("zone-1", 200), 2);
  // The snapshot taken before still holds the old zones, whole.
  EXPECT_EQ(before->zones.size(), 1u);
  EXPECT_EQ(before->Find("zone-0")->endpoints[0].address, "127.0.0.1:1000");
}

TEST(ZoneDirectoryTest, ConcurrentReadersNeverSeeATornOrFreedConfig) {
  ZoneDirectory directory(Generation(0));
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::atomic<long> reads{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 4; ++r) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        auto snapshot = directory.Snapshot();
        const Zone* first = snapshot->Find("zone-0");
        if (first == nullptr) {
          ++bad;
          continue;
        }
        int generation = first->max_in_flight - 1;
        if (snapshot->zones.size() != static_cast<size_t>(1 + generation % 4)) {
          ++bad;
        }
        for (const auto& [id, zone] : snapshot->zones) {
          if (zone.max_in_flight != generation + 1 ||
              zone.endpoints[0].address !=
                  "127.0.0.1:" + std::to_string(1000 + generation)) {
            ++bad;
          }
        }
        ++reads;
      }
    });
  }
  for (int n = 1; n <= 2000; ++n) directory.Replace(Generation(n));
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(directory.Snapshot()->Find("zone-0")->max_in_flight, 2001);
}

}  // namespace
}  // namespace staticship::scheduler
