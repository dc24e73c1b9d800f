#include "release/policy/cvss.h"

#include <gtest/gtest.h>

#include "release/policy/severity.h"

namespace staticship::policy {
namespace {

double Score(const char* vector) {
  auto score = CvssV3BaseScore(vector);
  EXPECT_TRUE(score.ok()) << score.message();
  return score.ok() ? *score : -1;
}

// Scores as NVD and the FIRST calculator publish them.
TEST(CvssTest, KnownVectors) {
  EXPECT_EQ(Score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), 9.8);
  EXPECT_EQ(Score("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N"), 5.9);
  EXPECT_EQ(Score("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H"), 8.8);
  EXPECT_EQ(Score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"), 10.0);
  // CVE-2023-43615 and CVE-2024-28960 (Mbed TLS), as NVD scores them.
  EXPECT_EQ(Score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"), 7.5);
  EXPECT_EQ(Score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:L/A:N"), 8.2);
  // CVE-2020-10932 (Mbed TLS, local side channel).
  EXPECT_EQ(Score("CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:H/I:N/A:N"), 4.7);
  // The classic reflected XSS: scope change with user interaction.
  EXPECT_EQ(Score("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"), 6.1);
  EXPECT_EQ(Score("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N"), 1.6);
  EXPECT_EQ(Score("CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H"), 8.8);
}

TEST(CvssTest, NoImpactIsZero) {
  EXPECT_EQ(Score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N"), 0.0);
  EXPECT_EQ(Score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:N/I:N/A:N"), 0.0);
}

TEST(CvssTest, TemporalAndEnvironmentalMetricsDoNotChangeTheBase) {
  EXPECT_EQ(Score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O/"
                  "RC:C/CR:L/MAV:P"),
            9.8);
}

TEST(CvssTest, MalformedVectorsAreErrors) {
  for (const char* bad : {
           "",
           "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",           // no prefix
           "CVSS:2.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",  // wrong version
           "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",      // A missing
           "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",  // bad value
           "CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",  // twice
           "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/ZZ:1",  // unknown
           "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/",      // empty
           "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:X/C:H/I:H/A:H",
       }) {
    EXPECT_FALSE(CvssV3BaseScore(bad).ok()) << bad;
  }
}

TEST(SeverityTest, RatingBandsAndWords) {
  EXPECT_EQ(SeverityOfScore(0.0), Severity::kNone);
  EXPECT_EQ(SeverityOfScore(0.1), Severity::kLow);
  EXPECT_EQ(SeverityOfScore(3.9), Severity::kLow);
  EXPECT_EQ(SeverityOfScore(4.0), Severity::kMedium);
  EXPECT_EQ(SeverityOfScore(6.9), Severity::kMedium);
  EXPECT_EQ(SeverityOfScore(7.0), Severity::kHigh);
  EXPECT_EQ(SeverityOfScore(8.9), Severity::kHigh);
  EXPECT_EQ(SeverityOfScore(9.0), Severity::kCritical);
  EXPECT_EQ(ParseSeverityWord("MODERATE"), Severity::kMedium);
  EXPECT_EQ(ParseSeverityWord("high"), Severity::kHigh);
  EXPECT_EQ(ParseSeverityWord("negligible"), Severity::kLow);
  EXPECT_EQ(ParseSeverityWord("severe"), std::nullopt);
  EXPECT_EQ(SeverityName(Severity::kCritical), "CRITICAL");
}

}  // namespace
}  // namespace staticship::policy
