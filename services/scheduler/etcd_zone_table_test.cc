#include "services/scheduler/etcd_zone_table.h"

#include <gtest/gtest.h>

namespace staticship::scheduler {
namespace {

constexpr char kPrefix[] = "/p/zones/";

etcd::KeyValue Kv(const std::string& id, const std::string& value) {
  return {.key = kPrefix + id, .value = value};
}
etcd::Event Put(const std::string& id, const std::string& value) {
  return {.deleted = false, .kv = Kv(id, value)};
}
etcd::Event Delete(const std::string& id) {
  return {.deleted = true, .kv = Kv(id, "")};
}

ZonesConfig FileZones() {
  ZonesConfig config;
  Zone zone;
  zone.id = "cn-1";
  zone.endpoints = {{"file:1", 1}};
  config.zones.emplace("cn-1", zone);
  return config;
}

std::string AddressOf(const ZonesConfig& config, const std::string& id) {
  const Zone* zone = config.Find(id);
  return zone == nullptr ? "" : zone->endpoints[0].address;
}

TEST(EtcdZoneTableTest, EtcdOverridesTheFileAndDeleteFallsBack) {
  EtcdZoneTable table(kPrefix, FileZones());
  EXPECT_TRUE(table
                  .Replace({Kv("cn-1", R"({"endpoints":["etcd:1"]})"),
                            Kv("eu-1", R"({"endpoints":["eu:1"]})")})
                  .empty());
  EXPECT_EQ(table.etcd_zone_count(), 2u);
  EXPECT_EQ(AddressOf(table.Merged(), "cn-1"), "etcd:1");
  EXPECT_EQ(AddressOf(table.Merged(), "eu-1"), "eu:1");
  EXPECT_TRUE(table.Apply({Delete("cn-1"), Delete("eu-1")}).empty());
  EXPECT_EQ(AddressOf(table.Merged(), "cn-1"), "file:1");
  EXPECT_EQ(table.Merged().Find("eu-1"), nullptr);
}

TEST(EtcdZoneTableTest, BadValueKeepsThePreviousDefinition) {
  EtcdZoneTable table(kPrefix, {});
  table.Apply({Put("eu-1", R"({"endpoints":["a:1"]})")});
  auto problems = table.Apply({Put("eu-1", R"({"endpoints":["a:1"],)")});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("zone key '/p/zones/eu-1' refused: not valid "
                             "JSON; the zone keeps its previous definition"),
            std::string::npos)
      << problems[0];
  EXPECT_EQ(AddressOf(table.Merged(), "eu-1"), "a:1");
  // Also across a re-list.
  problems = table.Replace({Kv("eu-1", R"({"endpoints":[]})")});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(AddressOf(table.Merged(), "eu-1"), "a:1");
  // A zone that never parsed stays undefined.
  problems = table.Apply({Put("us-1", "nope")});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("stays undefined"), std::string::npos);
  EXPECT_EQ(table.Merged().Find("us-1"), nullptr);
}

TEST(EtcdZoneTableTest, RelistDropsZonesNoLongerListed) {
  EtcdZoneTable table(kPrefix, {});
  table.Replace({Kv("a", R"({"endpoints":["a:1"]})"),
                 Kv("b", R"({"endpoints":["b:1"]})")});
  table.Replace({Kv("b", R"({"endpoints":["b:2"]})")});
  EXPECT_EQ(table.Merged().Find("a"), nullptr);
  EXPECT_EQ(AddressOf(table.Merged(), "b"), "b:2");
  EXPECT_EQ(table.etcd_zone_count(), 1u);
}

TEST(EtcdZoneTableTest, KeysThatNameNoZoneAreReported) {
  EtcdZoneTable table(kPrefix, {});
  auto problems =
      table.Apply({Put("cn-1/servers/a:1", R"({"endpoints":["a:1"]})")});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("'/p/zones/cn-1/servers/a:1' ignored"),
            std::string::npos)
      << problems[0];
  EXPECT_EQ(table.etcd_zone_count(), 0u);
}

TEST(EtcdZoneTableTest, FileZonesCanBeReplaced) {
  EtcdZoneTable table(kPrefix, FileZones());
  table.Apply({Put("eu-1", R"({"endpoints":["eu:1"]})")});
  table.SetFileZones({});
  EXPECT_EQ(table.Merged().Find("cn-1"), nullptr);
  EXPECT_EQ(AddressOf(table.Merged(), "eu-1"), "eu:1");
}

}  // namespace
}  // namespace staticship::scheduler
