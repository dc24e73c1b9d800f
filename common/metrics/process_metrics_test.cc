#include "common/metrics/process_metrics.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace staticship::metrics {
namespace {

TEST(ProcessMetricsTest, ReadsEveryValue) {
  ProcessStats stats = ReadProcessStats();
  ASSERT_TRUE(stats.cpu_user_seconds && stats.cpu_system_seconds);
  ASSERT_TRUE(stats.resident_bytes && stats.virtual_bytes);
  ASSERT_TRUE(stats.open_fds && stats.max_fds && stats.threads);
  ASSERT_TRUE(stats.start_time_seconds);
  EXPECT_GT(*stats.resident_bytes, 0u);
  EXPECT_GE(*stats.virtual_bytes, *stats.resident_bytes);
  EXPECT_GE(*stats.open_fds, 3u);  // stdin, stdout, stderr at least
  EXPECT_GE(*stats.max_fds, *stats.open_fds);
  EXPECT_GE(*stats.threads, 1u);
  const double now = std::chrono::duration<double>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  // Started in the last hour, not in the future (one clock tick of slack).
  EXPECT_LE(*stats.start_time_seconds, now + 0.02);
  EXPECT_GT(*stats.start_time_seconds, now - 3600);
}

TEST(ProcessMetricsTest, FollowsThreadsAndDescriptors) {
  const ProcessStats before = ReadProcessStats();
  const int fd = ::open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::thread extra([&] {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return release; });
  });
  const ProcessStats during = ReadProcessStats();
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  extra.join();
  ::close(fd);
  EXPECT_EQ(*during.open_fds, *before.open_fds + 1);
  EXPECT_EQ(*during.threads, *before.threads + 1);
}

TEST(ProcessMetricsTest, CpuTimeGrowsWithWork) {
  // Burns 50 ms of CPU by the process's own clock (however long a loaded
  // machine takes to give them), then getrusage must have seen them.
  auto cpu_now = [] {
    timespec ts;
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) +
           static_cast<double>(ts.tv_nsec) / 1e9;
  };
  const ProcessStats before = ReadProcessStats();
  const double start = cpu_now();
  volatile uint64_t x = 0;
  while (cpu_now() - start < 0.05) x = x + 1;
  const ProcessStats after = ReadProcessStats();
  EXPECT_GE(*after.cpu_user_seconds + *after.cpu_system_seconds,
            *before.cpu_user_seconds + *before.cpu_system_seconds + 0.04);
}

TEST(ProcessMetricsTest, RendersEveryFamilyWithHelpAndType) {
  const std::string text = RenderProcessMetrics(ReadProcessStats());
  for (const char* name :
       {"process_cpu_seconds_total", "process_resident_memory_bytes",
        "process_virtual_memory_bytes", "process_open_fds", "process_max_fds",
        "process_start_time_seconds", "process_threads"}) {
    EXPECT_NE(text.find(std::string("# HELP ") + name + " "), std::string::npos)
        << name;
    EXPECT_NE(text.find(std::string("# TYPE ") + name + " "), std::string::npos)
        << name;
    EXPECT_NE(text.find(std::string("\n") + name + " "), std::string::npos)
        << name;
  }
  EXPECT_NE(text.find("# TYPE process_cpu_seconds_total counter\n"),
            std::string::npos);
}

TEST(ProcessMetricsTest, LeavesOutWhatCouldNotBeRead) {
  ProcessStats stats;
  stats.threads = 4;
  EXPECT_EQ(RenderProcessMetrics(stats),
            "# HELP process_threads Number of OS threads in the process.\n"
            "# TYPE process_threads gauge\n"
            "process_threads 4\n");
}

TEST(ProcessMetricsTest, StatFieldsSurviveOddCommandNames) {
  auto fields = ProcStatFields("12 (a) b (c) R 1 2 3\n");
  ASSERT_EQ(fields.size(), 4u);
  EXPECT_EQ(fields[0], "R");
  EXPECT_EQ(fields[3], "3");
  EXPECT_TRUE(ProcStatFields("garbage").empty());
}

}  // namespace
}  // namespace staticship::metrics
