#include "services/scheduler/zones_config.h"

#include <gtest/gtest.h>

namespace staticship::scheduler {
namespace {

TEST(ZonesConfigTest, ParsesTheIssueExample) {
  auto config = ParseZonesYaml(R"(
zones:
  cn-1: { endpoints: [127.0.0.1:9001, 127.0.0.1:9002], path: /dispatch, max_in_flight: 100 }
  eu-1: { endpoints: [127.0.0.1:9101], path: /go }
)");
  ASSERT_TRUE(config.ok()) << config.message();
  ASSERT_EQ(config->zones.size(), 2u);
  const Zone* cn = config->Find("cn-1");
  ASSERT_NE(cn, nullptr);
  EXPECT_EQ(cn->endpoints.size(), 2u);
  EXPECT_EQ(cn->max_in_flight, 100);
  EXPECT_EQ(config->Find("eu-1")->path, "/go");
  EXPECT_EQ(config->CapFor("cn-1", 200), 100);
  EXPECT_EQ(config->CapFor("eu-1", 200), 100);  // default: half
  EXPECT_EQ(config->Find("mars"), nullptr);
}

TEST(ZonesConfigTest, EndpointsMayCarryAWeight) {
  auto config = ParseZonesYaml(
      "zones: { a: { endpoints: ['h:1', { address: 'h:2', weight: 4 }] } }");
  ASSERT_TRUE(config.ok()) << config.message();
  const Zone* a = config->Find("a");
  ASSERT_EQ(a->endpoints.size(), 2u);
  EXPECT_EQ(a->endpoints[0], (GameServer{"h:1", 1}));
  EXPECT_EQ(a->endpoints[1], (GameServer{"h:2", 4}));
}

TEST(ZonesConfigTest, SingleZoneMayUseEveryWorker) {
  auto config = ParseZonesYaml("zones: { a: { endpoints: ['h:1'] } }");
  ASSERT_TRUE(config.ok()) << config.message();
  EXPECT_EQ(config->CapFor("a", 200), 200);
  EXPECT_EQ(config->Find("a")->path, "/dispatch");
}

TEST(ZonesConfigTest, ErrorsNameTheProblem) {
  struct Case {
    const char* yaml;
    const char* expect;
  };
  for (const Case& c : std::vector<Case>{
           {"zones: [", "not valid YAML"},
           {"other: 1", "top-level 'zones:'"},
           {"zones: { a: { endpoints: [] } }", "zone 'a': 'endpoints'"},
           {"zones: { a: { endpoints: ['nohost'] } }",
            "'nohost' is not host:port"},
           {"zones: { a: { endpoints: ['h:99999'] } }", "'h:99999'"},
           {"zones: { a: { endpoints: ['h:1', 'h:1'] } }", "listed twice"},
           {"zones: { a: { endpoints: [{ address: 'h:1', weight: 0 }] } }",
            "weight of 'h:1'"},
           {"zones: { a: { endpoints: [{ weight: 2 }] } }", "'address'"},
           {"zones: { a: { endpoints: ['h:1'], path: x } }", "'path'"},
           {"zones: { a: { endpoints: ['h:1'], max_in_flight: 0 } }",
            "max_in_flight"},
           {"zones: { a: { endpoints: ['h:1'], colour: red } }",
            "unknown field 'colour'"},
       }) {
    auto config = ParseZonesYaml(c.yaml);
    ASSERT_FALSE(config.ok()) << c.yaml;
    EXPECT_NE(config.message().find(c.expect), std::string::npos)
        << c.yaml << " -> " << config.message();
  }
}

}  // namespace
}  // namespace staticship::scheduler
