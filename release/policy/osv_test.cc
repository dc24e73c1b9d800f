#include "release/policy/osv.h"

#include <gtest/gtest.h>

#include "common/base/file.h"
#include "common/testing/temp_dir.h"

namespace staticship::policy {
namespace {

constexpr char kFeed[] = "release/policy/testdata/osv";

TEST(OsvTest, LoadsTheTestFeed) {
  auto records = LoadOsvFeed(kFeed);
  ASSERT_TRUE(records.ok()) << records.message();
  ASSERT_EQ(records->size(), 4u);
  // Sorted by file name.
  EXPECT_EQ((*records)[0].id, "CVE-2022-37434");
  EXPECT_EQ((*records)[1].id, "CVE-2023-43615");
  const OsvRecord& zlib = (*records)[0];
  ASSERT_EQ(zlib.affected.size(), 3u);
  EXPECT_EQ(zlib.affected[1].ecosystem, "Debian:12");
  EXPECT_EQ(zlib.affected[1].purl, "pkg:deb/debian/zlib?arch=source");
  ASSERT_EQ(zlib.affected[1].ranges.size(), 1u);
  const OsvRange& range = zlib.affected[1].ranges[0];
  EXPECT_EQ(range.type, "ECOSYSTEM");
  ASSERT_EQ(range.events.size(), 2u);
  EXPECT_EQ(range.events[1].kind, OsvEvent::Kind::kFixed);
  EXPECT_EQ(range.events[1].version, "1:1.2.11.dfsg-4.1");
  EXPECT_EQ(zlib.affected[2].cpes.size(), 2u);
  EXPECT_EQ(zlib.severity[0].type, "CVSS_V3");
  EXPECT_EQ(zlib.source, std::string(kFeed) + "/CVE-2022-37434.json");
  const OsvRecord& timing = (*records)[2];
  EXPECT_EQ(timing.id, "CVE-2024-23170");
  EXPECT_TRUE(timing.severity.empty());
  EXPECT_EQ(timing.database_severity, "MEDIUM");
}

TEST(OsvTest, SingleFileArraysAndWithdrawn) {
  auto one = LoadOsvFeed(std::string(kFeed) + "/CVE-2023-43615.json");
  ASSERT_TRUE(one.ok()) << one.message();
  EXPECT_EQ(one->size(), 1u);
  auto array = ParseOsvJson(
      R"([{"id":"A-1","withdrawn":"2024-01-01T00:00:00Z"},{"id":"A-2"}])",
      "mem");
  ASSERT_TRUE(array.ok()) << array.message();
  ASSERT_EQ(array->size(), 2u);
  EXPECT_TRUE((*array)[0].withdrawn);
  EXPECT_FALSE((*array)[1].withdrawn);
}

// Each malformed feed is one line naming the file and the field.
TEST(OsvTest, MalformedFeedsNameFileAndField) {
  const std::pair<const char*, const char*> cases[] = {
      {"{not json", "OSV feed bad.json: not valid JSON"},
      {"42", "OSV feed bad.json: is not a JSON object"},
      {R"({"summary":"x"})", "OSV feed bad.json: 'id' is missing"},
      {R"({"id":"X-1","affected":{}})",
       "OSV feed bad.json: X-1: 'affected' is not an array"},
      {R"({"id":"X-1","affected":[{"ranges":[{"type":"SEMVER","events":[{"fixed":"1.0"}]}]}]})",
       "OSV feed bad.json: X-1: affected[0].ranges[0]: has no 'introduced' "
       "event"},
      {R"({"id":"X-1","affected":[{"ranges":[{"type":"SEMVER","events":[{"introduced":"0","fixed":"1"}]}]}]})",
       "OSV feed bad.json: X-1: affected[0].ranges[0].events[0]: must be an "
       "object with exactly one key"},
      {R"({"id":"X-1","affected":[{"ranges":[{"type":"DATE","events":[{"introduced":"0"}]}]}]})",
       "OSV feed bad.json: X-1: affected[0].ranges[0]: unknown range type "
       "'DATE'"},
      {R"({"id":"X-1","severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N"}]})",
       "OSV feed bad.json: X-1: severity[0]: CVSS vector 'CVSS:3.1/AV:N': base "
       "metric AC is missing"},
      {R"({"id":"X-1","affected":[{"package":{"ecosystem":"Debian","name":"z","purl":"deb/z"}}]})",
       "OSV feed bad.json: X-1: affected[0].package: package URL 'deb/z': "
       "does not start with pkg:"},
      {R"({"id":"X-1","database_specific":{"cpes":["cpe:/a:x:y"]}})",
       "OSV feed bad.json: X-1: database_specific: CPE 'cpe:/a:x:y': does not "
       "start with cpe:2.3:"},
      {R"([{"id":"A-1"},{"id":7}])",
       "OSV feed bad.json: [1]: 'id' is not a string"},
  };
  for (const auto& [json, error] : cases) {
    auto records = ParseOsvJson(json, "bad.json");
    ASSERT_FALSE(records.ok()) << json;
    EXPECT_EQ(records.message(), error);
    EXPECT_EQ(records.message().find('\n'), std::string::npos);
  }
}

TEST(OsvTest, DirectoryErrorsNameTheFile) {
  testing::TempDir dir;
  auto empty = LoadOsvFeed(dir.path());
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.message(), "OSV feed " + dir.path() + ": no *.json files");
  ASSERT_TRUE(
      WriteFileAtomically(dir.path() + "/a.json", R"({"id":"A-1"})").ok());
  ASSERT_TRUE(WriteFileAtomically(dir.path() + "/b.json", "[{").ok());
  ASSERT_TRUE(WriteFileAtomically(dir.path() + "/notes.txt", "ignored").ok());
  auto bad = LoadOsvFeed(dir.path());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.message(),
            "OSV feed " + dir.path() + "/b.json: not valid JSON");
  auto missing = LoadOsvFeed(dir.path() + "/nope.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.message().find("nope.json"), std::string::npos);
}

}  // namespace
}  // namespace staticship::policy
