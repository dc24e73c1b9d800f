#include "common/diagnostics/runtime_vars.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "common/diagnostics/build_info.h"
#include "common/diagnostics/heap_stats.h"

namespace staticship::diagnostics {
namespace {

TEST(BuildInfoTest, DescribesThisBinary) {
  ::setenv(kRevisionEnv, "0123abcd", 1);
  BuildInfo b = DescribeBuild("svc", "1.2.3");
  EXPECT_EQ(b.service, "svc");
  EXPECT_EQ(b.version, "1.2.3");
  EXPECT_EQ(b.commit, "0123abcd");
  EXPECT_FALSE(b.compiler.empty());
  EXPECT_FALSE(b.cxx_library.empty());
  EXPECT_EQ(b.build_id.size(), 40u);
#if defined(__GLIBC__)
  EXPECT_EQ(b.libc.rfind("glibc 2.", 0), 0u) << b.libc;
  EXPECT_EQ(b.linkage, "dynamic");
#else
  EXPECT_EQ(b.libc, "musl");
  EXPECT_NE(b.linkage, "dynamic");
#endif
  ::unsetenv(kRevisionEnv);
  EXPECT_EQ(DescribeBuild("svc", "1").commit, "unknown");
}

TEST(HeapStatsTest, NamesTheAllocatorAndItsFigures) {
  HeapStats before = ReadHeapStats();
#if defined(__GLIBC__)
  ASSERT_EQ(before.allocator, "glibc");
  // 64 MiB is mmapped by glibc: in use and mmapped grow by as much.
  auto block = std::make_unique<char[]>(64 << 20);
  block[0] = 1;
  HeapStats during = ReadHeapStats();
  auto figure = [](const HeapStats& h, const std::string& name) {
    for (const auto& [n, v] : h.values) {
      if (n == name) return v;
    }
    ADD_FAILURE() << "no " << name;
    return uint64_t{0};
  };
  EXPECT_GE(figure(during, "in_use_bytes"),
            figure(before, "in_use_bytes") + (64 << 20));
#else
  // Test binaries keep musl's malloc (only services link mimalloc).
  EXPECT_EQ(before.allocator, "musl");
  EXPECT_TRUE(before.values.empty());
#endif
}

TEST(RuntimeVarsTest, HasEveryField) {
  auto lag = std::make_shared<http::LoopLagStats>();
  lag->last_us = 1500;
  lag->recent_max_us = 4000;
  lag->total_us = 3000;
  lag->samples = 2;
  VarsInput input;
  input.build = DescribeBuild("svc", "9.9");
  input.loops = {lag};
  input.lag_probe_interval = std::chrono::milliseconds(100);
  input.profiler_json = R"({"running":false})";
  input.trace_json = R"({"available":false})";
  nlohmann::json v = nlohmann::json::parse(RuntimeVarsJson(input));
  EXPECT_EQ(v["service"], "svc");
  EXPECT_EQ(v["pid"], ::getpid());
  for (const char* field :
       {"uptime_seconds", "start_time_unix_seconds", "rss_bytes",
        "virtual_memory_bytes", "threads", "open_fds", "max_fds"}) {
    ASSERT_TRUE(v.contains(field)) << field;
    EXPECT_TRUE(v[field].is_number()) << field;
  }
  EXPECT_GT(v["rss_bytes"].get<double>(), 0);
  EXPECT_GE(v["threads"].get<int>(), 1);
  EXPECT_TRUE(v["cpu_seconds"]["user"].is_number());
  EXPECT_TRUE(v["cpu_seconds"]["system"].is_number());
  EXPECT_TRUE(v["heap"]["allocator"].is_string());
  const auto& loops = v["event_loop_lag"]["loops"];
  ASSERT_EQ(loops.size(), 1u);
  EXPECT_DOUBLE_EQ(loops[0]["last_ms"].get<double>(), 1.5);
  EXPECT_DOUBLE_EQ(loops[0]["recent_max_ms"].get<double>(), 4.0);
  EXPECT_DOUBLE_EQ(loops[0]["mean_ms"].get<double>(), 1.5);
  EXPECT_EQ(loops[0]["samples"], 2);
  EXPECT_DOUBLE_EQ(v["event_loop_lag"]["max_recent_ms"].get<double>(), 4.0);
  EXPECT_EQ(v["event_loop_lag"]["probe_interval_ms"], 100);
  for (const char* field :
       {"service", "version", "commit", "compiler", "cxx_library", "libc",
        "linkage", "architecture", "build_id", "optimized"}) {
    EXPECT_TRUE(v["build"].contains(field)) << field;
  }
  EXPECT_EQ(v["build"]["version"], "9.9");
  EXPECT_EQ(v["profiler"]["running"], false);
  EXPECT_EQ(v["trace"]["available"], false);
}

}  // namespace
}  // namespace staticship::diagnostics
