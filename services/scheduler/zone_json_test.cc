#include "services/scheduler/zone_json.h"

#include <gtest/gtest.h>

namespace staticship::scheduler {
namespace {

TEST(ZoneJsonTest, ParsesTheDocumentedValue) {
  auto zone = ParseZoneJson(
      "cn-1",
      R"({"endpoints":[{"address":"10.0.0.7:9001","weight":3},"10.0.0.8:9001"],
          "path":"/go","max_in_flight":100})");
  ASSERT_TRUE(zone.ok()) << zone.message();
  EXPECT_EQ(zone->id, "cn-1");
  ASSERT_EQ(zone->endpoints.size(), 2u);
  EXPECT_EQ(zone->endpoints[0].address, "10.0.0.7:9001");
  EXPECT_EQ(zone->endpoints[0].weight, 3);
  EXPECT_EQ(zone->endpoints[1].address, "10.0.0.8:9001");
  EXPECT_EQ(zone->endpoints[1].weight, 1);
  EXPECT_EQ(zone->path, "/go");
  EXPECT_EQ(zone->max_in_flight, 100);
}

TEST(ZoneJsonTest, DefaultsPathAndCap) {
  auto zone = ParseZoneJson("eu-1", R"({"endpoints":["h:1"]})");
  ASSERT_TRUE(zone.ok()) << zone.message();
  EXPECT_EQ(zone->path, "/dispatch");
  EXPECT_EQ(zone->max_in_flight, 0);
}

TEST(ZoneJsonTest, BadValuesNameWhatIsWrong) {
  struct Case {
    const char* id;
    const char* value;
    const char* expected;
  };
  for (const Case& c : std::vector<Case>{
           {"a", "{", "not valid JSON"},
           {"a", "[]", "JSON object"},
           {"a", "{}", "'endpoints'"},
           {"a", R"({"endpoints":[]})", "'endpoints'"},
           {"a", R"({"endpoints":"h:1"})", "'endpoints'"},
           {"a", R"({"endpoints":["nohost"]})", "endpoints[0]: 'nohost'"},
           {"a", R"({"endpoints":["h:1","h:70000"]})", "endpoints[1]"},
           {"a", R"({"endpoints":[7]})", "endpoints[0]"},
           {"a", R"({"endpoints":["h:1","h:1"]})", "listed twice"},
           {"a", R"({"endpoints":[{"address":"h:1","weight":0}]})", "'weight'"},
           {"a", R"({"endpoints":[{"address":"h:1","weight":1001}]})",
            "'weight'"},
           {"a", R"({"endpoints":[{"address":"h:1","weight":"2"}]})",
            "'weight'"},
           {"a", R"({"endpoints":[{"weight":2}]})", "'address'"},
           {"a", R"({"endpoints":[{"address":"h:1","colour":1}]})",
            "unknown field 'colour'"},
           {"a", R"({"endpoints":["h:1"],"path":"x"})", "'path'"},
           {"a", R"({"endpoints":["h:1"],"max_in_flight":0})",
            "'max_in_flight'"},
           {"a", R"({"endpoints":["h:1"],"max_in_flight":1.5})",
            "'max_in_flight'"},
           {"a", R"({"endpoints":["h:1"],"maxinflight":3})",
            "unknown field 'maxinflight'"},
           {"", R"({"endpoints":["h:1"]})", "zone id"},
           {"a/servers", R"({"endpoints":["h:1"]})", "zone id"},
       }) {
    auto zone = ParseZoneJson(c.id, c.value);
    ASSERT_FALSE(zone.ok()) << c.value;
    EXPECT_NE(zone.message().find(c.expected), std::string::npos)
        << c.value << " -> " << zone.message();
  }
}

}  // namespace
}  // namespace staticship::scheduler
