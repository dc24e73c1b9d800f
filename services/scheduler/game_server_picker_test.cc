#include "services/scheduler/game_server_picker.h"

#include <gtest/gtest.h>

#include <map>

namespace staticship::scheduler {
namespace {

constexpr EjectionPolicy kPolicy{
    .failures_to_eject = 2, .base_ms = 1000, .max_ms = 8000};

Zone MakeZone(std::vector<GameServer> servers) {
  Zone zone;
  zone.id = "cn-1";
  zone.endpoints = std::move(servers);
  return zone;
}

std::string Picks(GameServerPicker& picker, const Zone& zone, int n,
                  int64_t now = 0) {
  std::string out;
  for (int i = 0; i < n; ++i) out += picker.Pick(zone, now).substr(0, 1);
  return out;
}

TEST(GameServerPickerTest, SmoothWeightedOrderLikeNginx) {
  GameServerPicker picker(kPolicy);
  Zone zone = MakeZone({{"a:1", 5}, {"b:1", 1}, {"c:1", 1}});
  // nginx's documented sequence for weights 5, 1, 1.
  EXPECT_EQ(Picks(picker, zone, 7), "aabacaa");
  EXPECT_EQ(Picks(picker, zone, 7), "aabacaa");
}

TEST(GameServerPickerTest, EqualWeightsAreRoundRobin) {
  GameServerPicker picker(kPolicy);
  Zone zone = MakeZone({{"a:1", 1}, {"b:1", 1}, {"c:1", 1}});
  EXPECT_EQ(Picks(picker, zone, 6), "abcabc");
}

TEST(GameServerPickerTest, EjectedServerIsSkippedUntilItsPeriodEnds) {
  std::vector<std::string> logged;
  GameServerPicker picker(kPolicy,
                          [&](const std::string& m) { logged.push_back(m); });
  Zone zone = MakeZone({{"a:1", 1}, {"b:1", 1}});
  picker.Report("cn-1", "a:1", true, "refused", 0);  // not known yet
  EXPECT_EQ(Picks(picker, zone, 2), "ab");
  picker.Report("cn-1", "a:1", true, "refused", 0);
  picker.Report("cn-1", "a:1", true, "refused", 0);
  EXPECT_TRUE(picker.Ejected("cn-1", "a:1", 0));
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_NE(logged[0].find("a:1 of zone cn-1 ejected for 1000 ms: refused"),
            std::string::npos)
      << logged[0];
  EXPECT_EQ(Picks(picker, zone, 4, 500), "bbbb");
  EXPECT_EQ(Picks(picker, zone, 4, 1000), "abab");
  std::string text = picker.RenderMetrics({{{"cn-1", zone}}}, 500);
  EXPECT_NE(
      text.find(
          "scheduler_game_server_ejected{zone=\"cn-1\",server=\"a:1\"} 1\n"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find(
          "scheduler_game_server_ejected{zone=\"cn-1\",server=\"b:1\"} 0\n"),
      std::string::npos);
  EXPECT_NE(text.find("scheduler_game_server_ejections_total{zone=\"cn-1\","
                      "server=\"a:1\"} 1\n"),
            std::string::npos);
}

TEST(GameServerPickerTest, AllEjectedFailsOpenToTheSoonestBack) {
  GameServerPicker picker(kPolicy);
  Zone zone = MakeZone({{"a:1", 1}, {"b:1", 1}});
  Picks(picker, zone, 1);
  picker.Report("cn-1", "b:1", true, "503", 0);
  picker.Report("cn-1", "b:1", true, "503", 0);  // b out until 1000
  picker.Report("cn-1", "a:1", true, "503", 100);
  picker.Report("cn-1", "a:1", true, "503", 100);  // a out until 1100
  EXPECT_EQ(Picks(picker, zone, 3, 200), "bbb");
}

TEST(GameServerPickerTest, ChangedZoneKeepsTheHealthOfServersThatStay) {
  GameServerPicker picker(kPolicy);
  Zone zone = MakeZone({{"a:1", 1}, {"b:1", 1}});
  Picks(picker, zone, 1);
  picker.Report("cn-1", "a:1", true, "refused", 0);
  picker.Report("cn-1", "a:1", true, "refused", 0);
  Zone changed = MakeZone({{"a:1", 1}, {"c:1", 2}});
  EXPECT_EQ(Picks(picker, changed, 3, 10), "ccc");
  EXPECT_TRUE(picker.Ejected("cn-1", "a:1", 10));
  // A server that left is forgotten; its outcomes are ignored.
  picker.Report("cn-1", "b:1", true, "refused", 10);
  EXPECT_FALSE(picker.Ejected("cn-1", "b:1", 10));
  std::string text = picker.RenderMetrics({{{"cn-1", changed}}}, 10);
  EXPECT_EQ(text.find("server=\"b:1\""), std::string::npos) << text;
  // A zone that is gone is dropped from the gauges.
  text = picker.RenderMetrics({}, 10);
  EXPECT_EQ(text.find("scheduler_game_server_ejected{"), std::string::npos);
  // The counter stays.
  EXPECT_NE(text.find("scheduler_game_server_ejections_total{zone=\"cn-1\","
                      "server=\"a:1\"} 1"),
            std::string::npos);
}

TEST(GameServerPickerTest, SuccessReadmitsAtOnce) {
  GameServerPicker picker(kPolicy);
  Zone zone = MakeZone({{"a:1", 1}, {"b:1", 1}});
  Picks(picker, zone, 1);
  picker.Report("cn-1", "a:1", true, "timeout", 0);
  picker.Report("cn-1", "a:1", true, "timeout", 0);
  picker.Report("cn-1", "a:1", false, "", 5);
  EXPECT_FALSE(picker.Ejected("cn-1", "a:1", 5));
}

}  // namespace
}  // namespace staticship::scheduler
