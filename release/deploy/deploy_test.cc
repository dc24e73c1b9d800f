#include "release/deploy/deploy.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>

#include "common/testing/temp_dir.h"
#include "release/registry/testing/fake_http_server.h"

namespace staticship::deploy {
namespace {

namespace fs = std::filesystem;
using registry::testing::FakeHttpServer;
using registry::testing::FakeRequest;
using registry::testing::FakeResponse;
using Clock = std::chrono::steady_clock;

TEST(DeployTest, ValidatesNames) {
  EXPECT_TRUE(ValidName("gateway"));
  EXPECT_TRUE(ValidName("svc-1.a_b"));
  EXPECT_FALSE(ValidName(""));
  EXPECT_FALSE(ValidName("-x"));
  EXPECT_FALSE(ValidName("../x"));
  EXPECT_FALSE(ValidName("Upper"));
  EXPECT_FALSE(ValidName(std::string(64, 'a')));
  EXPECT_EQ(ContainerId("gateway"), "staticship-gateway");
}

TEST(DeployTest, WaitHealthyPollsUntil200) {
  std::atomic<int> calls{0};
  FakeHttpServer server([&](const FakeRequest& r) {
    EXPECT_EQ(r.Path(), "/health");
    return FakeResponse{++calls < 3 ? 503 : 200, {}, "ok", true};
  });
  auto took = WaitHealthy(server.port(), "/health",
                          Clock::now() + std::chrono::seconds(5), 0);
  ASSERT_TRUE(took.ok()) << took.message();
  EXPECT_EQ(calls.load(), 3);
}

TEST(DeployTest, WaitHealthyGivesUpAtTheDeadline) {
  FakeHttpServer server([](const FakeRequest&) {
    return FakeResponse{500, {}, "", true};
  });
  auto took = WaitHealthy(server.port(), "/health",
                          Clock::now() + std::chrono::milliseconds(200), 0);
  ASSERT_FALSE(took.ok());
  EXPECT_NE(took.message().find("last: HTTP 500"), std::string::npos)
      << took.message();
}

TEST(DeployTest, WaitHealthyNoticesAnExitedService) {
  pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);  // gone, as a crashed service would be
  FakeHttpServer server([](const FakeRequest&) {
    return FakeResponse{503, {}, "", true};
  });
  auto took = WaitHealthy(server.port(), "/health",
                          Clock::now() + std::chrono::seconds(5), child);
  ASSERT_FALSE(took.ok());
  EXPECT_NE(took.message().find("exited"), std::string::npos);
}

class FakeRuncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A stand-in runc that records its arguments and knows no container.
    runc_ = dir_ / "runc";
    std::ofstream(runc_) << "#!/bin/sh\necho \"$@\" >> "
                         << (dir_ / "calls").string()
                         << "\necho 'container does not exist' >&2\nexit 1\n";
    fs::permissions(runc_, fs::perms::owner_all);
  }
  staticship::testing::TempDir temp_;
  const fs::path dir_{temp_.path()};
  fs::path runc_;
};

TEST_F(FakeRuncTest, StopAndRemoveDeletesAnOrphanBundle) {
  fs::create_directories(dir_ / "state/svc/rootfs/etc");
  Runc runc(runc_.string());
  Result<bool> removed = StopAndRemove(runc, "svc", dir_ / "state",
                                       std::chrono::milliseconds(100));
  ASSERT_TRUE(removed.ok()) << removed.message();
  EXPECT_TRUE(*removed);
  EXPECT_FALSE(fs::exists(dir_ / "state/svc"));
  std::ifstream calls(dir_ / "calls");
  std::string first;
  std::getline(calls, first);
  EXPECT_EQ(first, "state staticship-svc");
  Result<bool> again = StopAndRemove(runc, "svc", dir_ / "state",
                                     std::chrono::milliseconds(100));
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
}

}  // namespace
}  // namespace staticship::deploy
