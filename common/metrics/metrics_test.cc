#include "common/metrics/metrics.h"

#include <gtest/gtest.h>

#include <limits>
#include <thread>
#include <vector>

namespace staticship::metrics {
namespace {

TEST(MetricsTest, RendersCounterGaugeAndHistogram) {
  Registry r;
  auto& req = r.AddCounter("app_requests_total", "Requests.\nBy route");
  req.WithLabels({{"route", "/a"}, {"code", "2xx"}}).Inc();
  req.WithLabels({{"route", "/a"}, {"code", "2xx"}}).Inc(2);
  req.WithLabels({{"route", "q\"\\\n"}, {"code", "5xx"}}).Inc();
  r.AddGauge("app_open", "Open.").WithLabels({}).Set(3);
  auto& h = r.AddHistogram("app_seconds", "Latency.", {0.1, 1});
  auto& hr = h.WithLabels({{"route", "/a"}});
  hr.Observe(0.05);
  hr.Observe(0.1);  // le is inclusive
  hr.Observe(0.5);
  hr.Observe(7);
  EXPECT_EQ(r.Render(),
            "# HELP app_requests_total Requests.\\nBy route\n"
            "# TYPE app_requests_total counter\n"
            "app_requests_total{route=\"/a\",code=\"2xx\"} 3\n"
            "app_requests_total{route=\"q\\\"\\\\\\n\",code=\"5xx\"} 1\n"
            "# HELP app_open Open.\n"
            "# TYPE app_open gauge\n"
            "app_open 3\n"
            "# HELP app_seconds Latency.\n"
            "# TYPE app_seconds histogram\n"
            "app_seconds_bucket{route=\"/a\",le=\"0.1\"} 2\n"
            "app_seconds_bucket{route=\"/a\",le=\"1\"} 3\n"
            "app_seconds_bucket{route=\"/a\",le=\"+Inf\"} 4\n"
            "app_seconds_sum{route=\"/a\"} 7.65\n"
            "app_seconds_count{route=\"/a\"} 4\n");
}

TEST(MetricsTest, SameNameReturnsSameFamily) {
  Registry r;
  auto& a = r.AddCounter("x_total", "X.");
  auto& b = r.AddCounter("x_total", "X.");
  EXPECT_EQ(&a, &b);
  EXPECT_EQ(&a.WithLabels({{"k", "v"}}), &b.WithLabels({{"k", "v"}}));
}

TEST(MetricsTest, ConcurrentUpdatesAreNotLost) {
  Registry r;
  Counter& c = r.AddCounter("c_total", "C.").WithLabels({});
  Gauge& g = r.AddGauge("g", "G.").WithLabels({});
  Histogram& h = r.AddHistogram("h", "H.", DefaultBuckets()).WithLabels({});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        c.Inc();
        g.Add(1);
        h.Observe(0.001);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.value(), 40000u);
  EXPECT_EQ(g.value(), 40000);
  EXPECT_EQ(h.count(), 40000u);
  EXPECT_EQ(h.CumulativeCounts().front(), 40000u);
  EXPECT_NEAR(h.sum(), 40.0, 1e-6);
}

TEST(MetricsTest, FormatsValues) {
  EXPECT_EQ(FormatValue(0.005), "0.005");
  EXPECT_EQ(FormatValue(2.5), "2.5");
  EXPECT_EQ(FormatValue(10), "10");
  EXPECT_EQ(FormatValue(-1), "-1");
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::infinity()), "+Inf");
}

}  // namespace
}  // namespace staticship::metrics
