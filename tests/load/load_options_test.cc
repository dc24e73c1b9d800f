#include "tests/load/load_options.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "common/testing/temp_dir.h"

namespace staticship::load {
namespace {

Result<LoadOptions> Parse(std::vector<std::string> args) {
  return ParseLoadOptions(args);
}

TEST(LoadOptionsTest, OpenLoopWithEveryFlag) {
  auto o = Parse({"--url",
                  "http://127.0.0.1:8080/v1/tasks?x=1",
                  "--rate",
                  "12000",
                  "--connections=64",
                  "--threads",
                  "2",
                  "--duration",
                  "5s",
                  "--warmup",
                  "500ms",
                  "--timeout",
                  "1s",
                  "--method",
                  "POST",
                  "--body",
                  "{}",
                  "--header",
                  "Content-Type: a/b",
                  "--report",
                  "/tmp/r.json"});
  ASSERT_TRUE(o.ok()) << o.message();
  EXPECT_EQ(o->host, "127.0.0.1");
  EXPECT_EQ(o->port, 8080);
  EXPECT_EQ(o->target, "/v1/tasks?x=1");
  EXPECT_EQ(o->rate, 12000);
  EXPECT_EQ(o->connections, 64);
  EXPECT_EQ(o->threads, 2);
  EXPECT_EQ(o->duration.count(), 5000);
  EXPECT_EQ(o->warmup.count(), 500);
  EXPECT_EQ(o->timeout.count(), 1000);
  EXPECT_EQ(o->method, "POST");
  EXPECT_EQ(o->body, "{}");
  ASSERT_EQ(o->headers.size(), 1u);
  EXPECT_EQ(o->headers[0].first, "Content-Type");
  EXPECT_EQ(o->headers[0].second, "a/b");
  EXPECT_EQ(o->report_path, "/tmp/r.json");
}

TEST(LoadOptionsTest, ClosedLoopAndDefaults) {
  auto o = Parse({"--url", "http://localhost", "--closed-loop"});
  ASSERT_TRUE(o.ok()) << o.message();
  EXPECT_EQ(o->rate, 0);
  EXPECT_EQ(o->port, 80);
  EXPECT_EQ(o->target, "/");
  EXPECT_EQ(o->method, "GET");
  EXPECT_EQ(o->connections, 16);
}

TEST(LoadOptionsTest, BracketedIpv6Host) {
  auto o = Parse({"--url", "http://[::1]:9000/a", "--rate", "1"});
  ASSERT_TRUE(o.ok()) << o.message();
  EXPECT_EQ(o->host, "::1");
  EXPECT_EQ(o->port, 9000);
  EXPECT_EQ(o->target, "/a");
}

TEST(LoadOptionsTest, BodyFromFile) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/body.json";
  std::ofstream(path) << "{\"zone_id\":\"bench\"}";
  auto o = Parse({"--url", "http://h/", "--rate", "1", "--body-file", path});
  ASSERT_TRUE(o.ok()) << o.message();
  EXPECT_EQ(o->body, "{\"zone_id\":\"bench\"}");
}

// Each bad input is an error that names what to fix.
TEST(LoadOptionsTest, BadInputNamesTheFlag) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--rate", "10"}, "--url"},
      {{"--url", "https://h/", "--rate", "10"}, "http://"},
      {{"--url", "http://:80/", "--rate", "10"}, "no host"},
      {{"--url", "http://h:99999/", "--rate", "10"}, "bad port"},
      {{"--url", "http://h/"}, "--rate"},
      {{"--url", "http://h/", "--rate", "5", "--closed-loop"}, "--rate"},
      {{"--url", "http://h/", "--rate", "abc"}, "--rate"},
      {{"--url", "http://h/", "--rate", "-3"}, "--rate"},
      {{"--url", "http://h/", "--rate", "1", "--connections", "0"},
       "--connections"},
      {{"--url", "http://h/", "--rate", "1", "--connections", "2", "--threads",
        "4"},
       "--threads"},
      {{"--url", "http://h/", "--rate", "1", "--duration", "0"}, "--duration"},
      {{"--url", "http://h/", "--rate", "1", "--timeout", "5x"}, "--timeout"},
      {{"--url", "http://h/", "--rate", "1", "--header", "nocolon"},
       "--header"},
      {{"--url", "http://h/", "--rate", "1", "--body", "a", "--body-file", "b"},
       "--body"},
      {{"--url", "http://h/", "--rate", "1", "--body-file", "/nonexistent/x"},
       "--body-file"},
      {{"--url", "http://h/", "--rate", "1", "--rat", "2"}, "rat"},
  };
  for (const auto& [args, expected] : cases) {
    auto o = Parse(args);
    ASSERT_FALSE(o.ok()) << expected;
    EXPECT_NE(o.message().find(expected), std::string::npos)
        << "'" << o.message() << "' should mention " << expected;
  }
}

}  // namespace
}  // namespace staticship::load
