#include "services/gateway/access_log.h"

#include <gtest/gtest.h>

#include <string>

namespace staticship::gateway {
namespace {

using namespace std::chrono_literals;

AccessLogEntry Entry() {
  return {.method = "GET",
          .path = "/api/one",
          .route = "/api/*",
          .status = 200,
          .upstream = "127.0.0.1:8081",
          .duration = 1234567ns,
          .request_id = "3f9a",
          .peer = "10.0.0.7"};
}

std::string Line(const AccessLogEntry& e) {
  std::string out;
  AppendAccessLogLine(e, &out);
  return out;
}

TEST(AccessLogTest, FieldsInOrderOnOneLine) {
  EXPECT_EQ(Line(Entry()),
            "GET /api/one /api/* 200 127.0.0.1:8081 1.235ms 3f9a 10.0.0.7\n");
}

TEST(AccessLogTest, LinesAccumulateInTheBuffer) {
  std::string out;
  AppendAccessLogLine(Entry(), &out);
  AccessLogEntry second = Entry();
  second.status = 503;
  AppendAccessLogLine(second, &out);
  EXPECT_EQ(out,
            "GET /api/one /api/* 200 127.0.0.1:8081 1.235ms 3f9a 10.0.0.7\n"
            "GET /api/one /api/* 503 127.0.0.1:8081 1.235ms 3f9a 10.0.0.7\n");
}

TEST(AccessLogTest, EmptyFieldsAreDashes) {
  AccessLogEntry e;
  e.status = 404;
  EXPECT_EQ(Line(e), "- - - 404 - 0.000ms - -\n");
}

TEST(AccessLogTest, FieldsCannotSplitTheLineOrItsWords) {
  AccessLogEntry e = Entry();
  e.path = "/a b\tc\"d\ne\x7f";
  e.request_id = "id\r\nINJECTED 1 2 3";
  e.route = "\x01";
  EXPECT_EQ(Line(e),
            "GET /a_b_c_d_e_ _ 200 127.0.0.1:8081 1.235ms id__INJECTED_1_2_3 "
            "10.0.0.7\n");
  // Bytes above 0x7f (UTF-8) are kept.
  e = Entry();
  e.path = "/caf\xc3\xa9";
  EXPECT_NE(Line(e).find(" /caf\xc3\xa9 "), std::string::npos);
}

TEST(AccessLogTest, DurationIsMillisecondsRoundedToTheMicrosecond) {
  auto duration_of = [](std::chrono::nanoseconds d) {
    AccessLogEntry e = Entry();
    e.duration = d;
    std::string line = Line(e);
    size_t end = line.find("ms ");
    size_t start = line.rfind(' ', end) + 1;
    return line.substr(start, end - start);
  };
  EXPECT_EQ(duration_of(0ns), "0.000");
  EXPECT_EQ(duration_of(499ns), "0.000");
  EXPECT_EQ(duration_of(500ns), "0.001");
  EXPECT_EQ(duration_of(12'345'000ns), "12.345");
  EXPECT_EQ(duration_of(1'000'000ns), "1.000");
  EXPECT_EQ(duration_of(1'010'000ns), "1.010");
  EXPECT_EQ(duration_of(3'600s), "3600000.000");
  // A clock step backwards must not print a negative or garbled number.
  EXPECT_EQ(duration_of(-5ms), "0.000");
}

}  // namespace
}  // namespace staticship::gateway
