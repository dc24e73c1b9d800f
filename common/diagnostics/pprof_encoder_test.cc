#include "common/diagnostics/pprof_encoder.h"

#include <gtest/gtest.h>

#include "common/archive/gzip.h"
#include "common/diagnostics/testing/profile_decoder.h"

namespace staticship::diagnostics {
namespace {

using testing::DecodedProfile;
using testing::DecodeProfile;

CpuProfile SyntheticProfile() {
  CpuProfile p;
  p.hz = 100;
  p.start_unix_ns = 1700000000123456789;
  p.duration_ns = 2000000000;
  p.samples = 5;
  p.threads = 2;
  LoadedObject main;
  main.path = "/bin/x";
  // lld does not page-align segments: the code starts inside the page.
  main.text_start = 0x1040;
  main.text_end = 0x2000;
  main.build_id = "abcd";
  main.is_main = true;
  LoadedObject lib;
  lib.path = "/lib/y";
  lib.text_start = 0x7000;
  lib.text_end = 0x8000;
  lib.build_id = "ef01";
  p.objects = {lib, main};  // the order of objects must not matter
  auto mapping = [](uint64_t start, uint64_t end, uint64_t offset,
                    std::string path) {
    Mapping m;
    m.start = start;
    m.end = end;
    m.offset = offset;
    m.readable = m.executable = true;
    m.path = std::move(path);
    return m;
  };
  p.mappings = {mapping(0x7000, 0x8000, 0x1000, "/lib/y"),
                mapping(0x9000, 0xa000, 0, "/lib/z"),
                mapping(0x1000, 0x2000, 0, "/bin/x")};
  p.stacks = {{{0x1100, 0x7100, 0x1200}, "w-0", 3}, {{0x1100}, "w-1", 2}};
  return p;
}

TEST(PprofEncoderTest, WritesAProfileThatDecodes) {
  auto decoded = DecodeProfile(EncodeProfileProto(SyntheticProfile()));
  ASSERT_TRUE(decoded.has_value());
  const DecodedProfile& d = *decoded;
  ASSERT_EQ(d.sample_types.size(), 2u);
  EXPECT_EQ(d.sample_types[0].type, "samples");
  EXPECT_EQ(d.sample_types[0].unit, "count");
  EXPECT_EQ(d.sample_types[1].type, "cpu");
  EXPECT_EQ(d.sample_types[1].unit, "nanoseconds");
  EXPECT_EQ(d.default_sample_type, "cpu");
  EXPECT_EQ(d.period_type.type, "cpu");
  EXPECT_EQ(d.period, 10000000);
  EXPECT_EQ(d.time_nanos, 1700000000123456789);
  EXPECT_EQ(d.duration_nanos, 2000000000);
  ASSERT_EQ(d.comments.size(), 1u);
  EXPECT_NE(d.comments[0].find("5 samples at 100 Hz"), std::string::npos)
      << d.comments[0];

  // The program's mapping first; /lib/z held no sample and is left out.
  ASSERT_EQ(d.mappings.size(), 2u);
  EXPECT_EQ(d.mappings[0].id, 1u);
  EXPECT_EQ(d.mappings[0].file, "/bin/x");
  EXPECT_EQ(d.mappings[0].build_id, "abcd");
  // Starting with the segment, not the page: `go tool pprof` takes the
  // segment's address for the mapping's start.
  EXPECT_EQ(d.mappings[0].start, 0x1040u);
  EXPECT_EQ(d.mappings[0].offset, 0x40u);
  EXPECT_EQ(d.mappings[0].limit, 0x2000u);
  EXPECT_FALSE(d.mappings[0].has_functions);
  EXPECT_TRUE(d.functions.empty());
  EXPECT_EQ(d.mappings[1].file, "/lib/y");
  EXPECT_EQ(d.mappings[1].offset, 0x1000u);
  EXPECT_EQ(d.mappings[1].build_id, "ef01");

  // Leaf addresses as sampled, callers' return addresses minus one.
  ASSERT_EQ(d.locations.size(), 3u);
  std::map<uint64_t, testing::DecodedLocation> by_id;
  for (const auto& l : d.locations) by_id[l.id] = l;
  ASSERT_EQ(d.samples.size(), 2u);
  const auto& first = d.samples[0];
  ASSERT_EQ(first.location_ids.size(), 3u);
  EXPECT_EQ(by_id[first.location_ids[0]].address, 0x1100u);
  EXPECT_EQ(by_id[first.location_ids[1]].address, 0x70ffu);
  EXPECT_EQ(by_id[first.location_ids[2]].address, 0x11ffu);
  EXPECT_EQ(by_id[first.location_ids[0]].mapping_id, 1u);
  EXPECT_EQ(by_id[first.location_ids[1]].mapping_id, d.mappings[1].id);
  EXPECT_EQ(first.values, (std::vector<int64_t>{3, 30000000}));
  EXPECT_EQ(first.labels.at("thread"), "w-0");
  const auto& second = d.samples[1];
  EXPECT_EQ(second.location_ids,
            (std::vector<uint64_t>{first.location_ids[0]}));
  EXPECT_EQ(second.values, (std::vector<int64_t>{2, 20000000}));
  EXPECT_EQ(second.labels.at("thread"), "w-1");
}

TEST(PprofEncoderTest, NamesWhatTheNamerKnows) {
  // The program's functions, as its symbol table would name them.
  FunctionNamer namer = [](uint64_t address) -> std::string {
    if (address >= 0x1100 && address < 0x1180) return "_ZN2ns4leafEv";
    if (address >= 0x11c0 && address < 0x1280) return "main";
    return "";
  };
  auto d = DecodeProfile(EncodeProfileProto(SyntheticProfile(), namer));
  ASSERT_TRUE(d.has_value());
  ASSERT_EQ(d->functions.size(), 2u);
  std::map<uint64_t, testing::DecodedFunction> functions;
  for (const auto& f : d->functions) {
    EXPECT_EQ(f.name, f.system_name);  // pprof demangles name == system name
    functions[f.id] = f;
  }
  std::map<uint64_t, std::string> name_at;
  for (const auto& l : d->locations) {
    if (l.function_ids.empty()) {
      name_at[l.address] = "";
      continue;
    }
    ASSERT_EQ(l.function_ids.size(), 1u);
    name_at[l.address] = functions.at(l.function_ids[0]).name;
  }
  EXPECT_EQ(name_at[0x1100], "_ZN2ns4leafEv");
  EXPECT_EQ(name_at[0x11ff], "main");
  EXPECT_EQ(name_at[0x70ff], "");  // the library's: left to pprof
  EXPECT_TRUE(d->mappings[0].has_functions);
  EXPECT_FALSE(d->mappings[1].has_functions);
}

TEST(PprofEncoderTest, TheProgramIsMappingOneEvenWithoutSamples) {
  CpuProfile p = SyntheticProfile();
  p.stacks = {{{0x7100}, "w-0", 1}};
  auto d = DecodeProfile(EncodeProfileProto(p));
  ASSERT_TRUE(d.has_value());
  ASSERT_EQ(d->mappings.size(), 2u);
  EXPECT_EQ(d->mappings[0].file, "/bin/x");
  EXPECT_EQ(d->locations[0].mapping_id, d->mappings[1].id);
}

TEST(PprofEncoderTest, AnEmptyProfileIsValid) {
  auto d = DecodeProfile(EncodeProfileProto(CpuProfile{}));
  ASSERT_TRUE(d.has_value());
  EXPECT_TRUE(d->samples.empty());
  EXPECT_EQ(d->sample_types.size(), 2u);
}

TEST(PprofEncoderTest, GzippedAsPprofReadsIt) {
  const CpuProfile p = SyntheticProfile();
  Result<std::string> gz = EncodeGzippedProfile(p);
  ASSERT_TRUE(gz.ok()) << gz.message();
  ASSERT_GE(gz->size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>((*gz)[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>((*gz)[1]), 0x8b);
  Result<std::string> raw = archive::Inflate(*gz);
  ASSERT_TRUE(raw.ok()) << raw.message();
  EXPECT_EQ(*raw, EncodeProfileProto(p));
}

TEST(PprofEncoderTest, DecoderRejectsGarbage) {
  EXPECT_FALSE(DecodeProfile("\xff\xff\xff").has_value());
  std::string bytes = EncodeProfileProto(SyntheticProfile());
  EXPECT_FALSE(DecodeProfile(bytes.substr(0, bytes.size() / 2)).has_value());
}

}  // namespace
}  // namespace staticship::diagnostics
