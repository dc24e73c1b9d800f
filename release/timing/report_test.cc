// The report writers: markdown tables and explanations, JUnit XML and SVG.
#include <gtest/gtest.h>

#include <regex>

#include "release/timing/comparison.h"
#include "release/timing/junit_report.h"
#include "release/timing/markdown_report.h"
#include "release/timing/svg_report.h"
#include "release/timing/xml_check_for_test.h"

namespace staticship::timing {
namespace {

using testing::XmlProblem;

TimingRecord Duration(const std::string& service, const std::string& variant,
                      const std::string& stage, double ms,
                      const std::string& kind = "cold") {
  TimingRecord r;
  r.service = service;
  r.variant = variant;
  r.stage = stage;
  r.kind = kind;
  r.duration_ms = ms;
  return r;
}

TimingRecord ImageSize(const std::string& service, const std::string& variant,
                       std::int64_t bytes, std::int64_t files,
                       std::int64_t shared_libs) {
  TimingRecord r;
  r.service = service;
  r.variant = variant;
  r.stage = "image_size";
  r.bytes = bytes;
  r.files = files;
  r.shared_libs = shared_libs;
  return r;
}

TimingRun SampleRun() {
  TimingRun run;
  run.run_id = "20261127T000000Z-abc";
  run.git_commit = "abc";
  run.date = "2026-11-27T00:00:00Z";
  run.host_cpus = 2;
  run.records = {
      Duration("hello", "dynamic", "compile", 1500),
      Duration("hello", "dynamic", "link", 500),
      Duration("hello", "static", "compile", 1000),
      Duration("hello", "static", "link", 500),
      Duration("hello", "dynamic", "image", 40),
      Duration("hello", "static", "image", 50),
      Duration("hello", "dynamic", "push", 100),
      Duration("hello", "dynamic", "deploy", 300),
      Duration("hello", "static", "push", 40),
      Duration("hello", "static", "deploy", 60),
      ImageSize("hello", "dynamic", 4 * 1024 * 1024, 23, 7),
      ImageSize("hello", "static", 1024 * 1024, 9, 0),
      Duration("echo", "dynamic", "image", 10),
      Duration("echo", "static", "image", 5),
  };
  return run;
}

TEST(ComparisonTest, ReductionIsRelativeToDynamic) {
  const ServiceComparison c = CompareService(SampleRun().records, "hello");
  ASSERT_EQ(c.durations[0].label, "compile+link (cold)");
  EXPECT_DOUBLE_EQ(*c.durations[0].dynamic_value, 2000);
  EXPECT_DOUBLE_EQ(*c.durations[0].static_value, 1500);
  EXPECT_DOUBLE_EQ(*ReductionPct(c.durations[0]), 25);
  EXPECT_DOUBLE_EQ(*ReductionPct(c.durations[2]), -25);  // static slower
  EXPECT_DOUBLE_EQ(*c.durations[3].dynamic_value, 400);  // push + deploy
  EXPECT_DOUBLE_EQ(*ReductionPct(c.durations[3]), 75);
  EXPECT_FALSE(ReductionPct(c.durations[1]).has_value());  // incremental
}

TEST(ComparisonTest, SigningRowSumsSignAndVerify) {
  std::vector<TimingRecord> records = SampleRun().records;
  records.push_back(Duration("hello", "static", "sign", 4));
  records.push_back(Duration("hello", "static", "verify", 3));
  const ServiceComparison c = CompareService(records, "hello");
  ASSERT_EQ(c.durations[4].label,
            "signing (sign + attest, verify against policy)");
  EXPECT_DOUBLE_EQ(*c.durations[4].static_value, 7);
  EXPECT_FALSE(c.durations[4].dynamic_value.has_value());  // not recorded
}

// SampleRun plus the third variant: clang, dynamic, glibc.
TimingRun SampleRunWithDynamicClang() {
  TimingRun run = SampleRun();
  run.records.push_back(Duration("hello", "dynamic-clang", "compile", 1200));
  run.records.push_back(Duration("hello", "dynamic-clang", "link", 400));
  run.records.push_back(Duration("hello", "dynamic-clang", "image", 45));
  run.records.push_back(
      ImageSize("hello", "dynamic-clang", 2 * 1024 * 1024, 20, 6));
  return run;
}

TEST(ComparisonTest, DynamicClangSplitsCompilerFromStaticLinking) {
  const ServiceComparison c =
      CompareService(SampleRunWithDynamicClang().records, "hello");
  const ComparisonRow& cold = c.durations[0];
  ASSERT_EQ(cold.label, "compile+link (cold)");
  // The headline is still static against the gcc baseline.
  EXPECT_DOUBLE_EQ(*cold.dynamic_value, 2000);
  EXPECT_DOUBLE_EQ(*cold.static_value, 1500);
  EXPECT_DOUBLE_EQ(*ReductionPct(cold), 25);
  EXPECT_DOUBLE_EQ(*cold.dynamic_clang_value, 1600);
  EXPECT_DOUBLE_EQ(*CompilerEffect(cold), 0.8);          // 1600 / 2000
  EXPECT_DOUBLE_EQ(*StaticLinkingEffect(cold), 0.9375);  // 1500 / 1600
  EXPECT_DOUBLE_EQ(*CompilerEffect(cold) * *StaticLinkingEffect(cold),
                   *cold.static_value / *cold.dynamic_value);
  EXPECT_FALSE(CompilerEffect(c.durations[1]).has_value());      // incremental
  EXPECT_FALSE(c.durations[3].dynamic_clang_value.has_value());  // no deploy
  EXPECT_DOUBLE_EQ(*c.sizes[1].dynamic_clang_value, 2 * 1024 * 1024);
  EXPECT_TRUE(HasDynamicClang(c));
  EXPECT_FALSE(HasDynamicClang(CompareService(SampleRun().records, "hello")));
}

TEST(ComparisonTest, EffectsNeedBothSidesAndANonZeroDivisor) {
  ComparisonRow row;
  row.dynamic_value = 100;
  row.static_value = 50;
  EXPECT_FALSE(CompilerEffect(row).has_value());
  EXPECT_FALSE(StaticLinkingEffect(row).has_value());
  row.dynamic_clang_value = 0;
  EXPECT_DOUBLE_EQ(*CompilerEffect(row), 0);
  EXPECT_FALSE(StaticLinkingEffect(row).has_value());
  row.dynamic_clang_value = 125;
  EXPECT_DOUBLE_EQ(*CompilerEffect(row), 1.25);
  EXPECT_DOUBLE_EQ(*StaticLinkingEffect(row), 0.4);
  EXPECT_EQ(FormatRatio(CompilerEffect(row)), "1.25×");
  EXPECT_EQ(FormatRatio(std::nullopt), "n/a");
}

TEST(ComparisonTest, TotalSumsDynamicClangOnlyWhenEveryServiceHasIt) {
  TimingRun run = SampleRunWithDynamicClang();
  run.records.push_back(Duration("echo", "dynamic-clang", "image", 7));
  ServiceComparison total = CompareTotal({CompareService(run.records, "hello"),
                                          CompareService(run.records, "echo")});
  EXPECT_DOUBLE_EQ(*total.durations[2].dynamic_clang_value, 52);  // 45 + 7
  EXPECT_FALSE(total.durations[0].dynamic_clang_value.has_value());
}

TEST(ComparisonTest, TotalLeavesOutASideThatAServiceLacks) {
  const auto records = SampleRun().records;
  const ServiceComparison total = CompareTotal(
      {CompareService(records, "hello"), CompareService(records, "echo")});
  EXPECT_DOUBLE_EQ(*total.durations[2].dynamic_value, 50);  // image 40 + 10
  EXPECT_DOUBLE_EQ(*total.durations[2].static_value, 55);
  EXPECT_FALSE(total.durations[0].static_value.has_value());  // echo: none
}

TEST(MarkdownReportTest, TableRowsCarryMeasuredValuesAndLabelledClaims) {
  const std::string md = ComparisonMarkdown(SampleRun());
  EXPECT_NE(md.find("| compile+link (cold) | 2.00 s | 1.50 s | 25.0% | "
                    "42.3 s → 28.7 s (32%) |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| image build | 40 ms | 50 ms | -25.0% (static slower) |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| deploy verification (push + deploy to healthy) | "
                    "400 ms | 100 ms | 75.0% |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| image size | 4.00 MiB | 1.00 MiB | 75.0% |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| shared libraries in image | 7 | 0 | 100.0% |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("write-up claim (not measured here)"), std::string::npos);
  EXPECT_NE(md.find("## Static against dynamic: all services"),
            std::string::npos);
}

TEST(MarkdownReportTest, DynamicClangAddsASplitTableAndKeepsTheHeadline) {
  const std::string md = ComparisonMarkdown(SampleRunWithDynamicClang());
  // The headline row, as without the third variant.
  EXPECT_NE(md.find("| compile+link (cold) | 2.00 s | 1.50 s | 25.0% | "
                    "42.3 s → 28.7 s (32%) |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("### Compiler against static linking: hello"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| compile+link (cold) | 2.00 s | 1.60 s | 1.50 s | "
                    "0.80× | 0.94× |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| image build | 40 ms | 45 ms | 50 ms | 1.12× | 1.11× |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| shared libraries in image | 7 | 6 | 0 | 0.86× | "
                    "0.00× |"),
            std::string::npos)
      << md;
  // Rows the third variant lacks stay out of the split table.
  const std::string split =
      md.substr(md.find("### Compiler against static linking: hello"));
  EXPECT_EQ(
      split.substr(0, split.find("## ", 4)).find("compile+link (incremental)"),
      std::string::npos)
      << split;
  // echo has no dynamic-clang record, so no split table.
  EXPECT_EQ(md.find("### Compiler against static linking: echo"),
            std::string::npos);

  const std::string report =
      MarkdownReport(SampleRunWithDynamicClang(), {}, RegressionPolicy{});
  EXPECT_NE(report.find("hello: compile+link (cold), split: dynamic-clang "
                        "compiled for 1.20 s and linked for 400 ms. The "
                        "compiler effect (dynamic-clang ÷ dynamic-gcc, both "
                        "glibc and dynamic) is 0.80×, the static-linking "
                        "effect (static ÷ dynamic-clang, both clang and "
                        "libc++) 0.94×; together 0.75× = static ÷ "
                        "dynamic-gcc."),
            std::string::npos)
      << report;
  EXPECT_NE(report.find("compiler effect = dynamic-clang ÷ dynamic-gcc"),
            std::string::npos);
}

TEST(MarkdownReportTest, WithoutDynamicClangTheReportIsUnchanged) {
  const std::string md = MarkdownReport(SampleRun(), {}, RegressionPolicy{});
  EXPECT_EQ(md.find("dynamic-clang"), std::string::npos) << md;
  EXPECT_EQ(md.find("Compiler against static linking"), std::string::npos);
}

TEST(MarkdownReportTest, ExplanationsComeFromTheRecords) {
  TimingRun run = SampleRun();
  std::string md = MarkdownReport(run, {}, RegressionPolicy{});
  EXPECT_NE(md.find("holds 9 files against 23"), std::string::npos) << md;
  EXPECT_NE(md.find("dynamic image carries 7 shared libraries"),
            std::string::npos);
  run.records[10].shared_libs = 3;
  run.records[10].files = 19;
  md = MarkdownReport(run, {}, RegressionPolicy{});
  EXPECT_NE(md.find("holds 9 files against 19"), std::string::npos);
  EXPECT_NE(md.find("dynamic image carries 3 shared libraries"),
            std::string::npos);
}

TEST(MarkdownReportTest, TrendTableFlagsRegressions) {
  const TimingRun run = SampleRun();
  Trend flagged{run.records[2], 5, 700.0, 42.857, true};
  Trend young{run.records[3], 1, 500.0, 0.0, false};
  const std::string md =
      MarkdownReport(run, {flagged, young}, RegressionPolicy{});
  EXPECT_NE(md.find("| hello | static | compile | cold | - | 1.00 s | 700 ms "
                    "| +42.9% | 5 | **REGRESSION** |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("no verdict (1 of 3 runs needed)"), std::string::npos);
  EXPECT_NE(md.find("1 regression(s) flagged."), std::string::npos);
}

TEST(JunitReportTest, WellFormedWithOneCasePerDurationRecord) {
  const TimingRun run = SampleRun();
  std::vector<Trend> trends;
  for (const TimingRecord& r : run.records) {
    if (r.duration_ms) trends.push_back(Trend{r, 0, {}, {}, false});
  }
  trends[0].regression = true;
  trends[0].median_ms = 1000;
  trends[0].change_pct = 50;
  const std::string failing = JunitReport(run, trends, true);
  EXPECT_EQ(XmlProblem(failing), "") << failing;
  const auto cases = [](const std::string& xml) {
    const std::regex testcase("<testcase ");
    return std::distance(std::sregex_iterator(xml.begin(), xml.end(), testcase),
                         std::sregex_iterator());
  };
  EXPECT_EQ(cases(failing), 12);
  EXPECT_NE(failing.find("classname=\"staticship.hello.dynamic\" "
                         "name=\"compile (cold)\" time=\"1.500\""),
            std::string::npos)
      << failing;
  EXPECT_NE(failing.find("failures=\"1\""), std::string::npos);
  EXPECT_NE(failing.find("<failure type=\"regression\""), std::string::npos);

  const std::string passing = JunitReport(run, trends, false);
  EXPECT_EQ(XmlProblem(passing), "") << passing;
  EXPECT_EQ(passing.find("<failure"), std::string::npos);
  EXPECT_NE(passing.find("failures=\"0\""), std::string::npos);
}

TEST(JunitReportTest, EscapesMarkupInNames) {
  TimingRun run = SampleRun();
  run.git_commit = "a\"b<c>&";
  run.records = {Duration("we<ird>&\"svc'", "static", "push", 12)};
  const std::string xml =
      JunitReport(run, {Trend{run.records[0], 0, {}, {}, false}}, true);
  EXPECT_EQ(XmlProblem(xml), "") << xml;
}

TEST(XmlCheckTest, CatchesBrokenDocuments) {
  EXPECT_NE(XmlProblem("<a><b></a></b>"), "");
  EXPECT_NE(XmlProblem("<a x=1/>"), "");
  EXPECT_NE(XmlProblem("<a>&nbsp;</a>"), "");
  EXPECT_NE(XmlProblem("<a/><b/>"), "");
  EXPECT_NE(XmlProblem("<a>"), "");
  EXPECT_EQ(XmlProblem("<?xml version=\"1.0\"?>\n<a x=\"&amp;\"><b/>t</a>\n"),
            "");
}

TEST(SvgReportTest, WellFormedWithBarsValuesLegendAndTitle) {
  const TimingRun run = SampleRun();
  const std::string svg = SvgReport(run);
  EXPECT_EQ(XmlProblem(svg), "") << svg;
  EXPECT_NE(svg.find("xmlns=\"http://www.w3.org/2000/svg\""),
            std::string::npos);
  EXPECT_NE(svg.find("2026-11-27T00:00:00Z, commit abc"), std::string::npos);
  EXPECT_NE(svg.find(">dynamic</text>"), std::string::npos);
  EXPECT_NE(svg.find(">static</text>"), std::string::npos);
  EXPECT_NE(svg.find(">compile+link (cold)</text>"), std::string::npos);
  EXPECT_NE(svg.find(">duration, s</text>"), std::string::npos);
  EXPECT_NE(svg.find(">size, MiB</text>"), std::string::npos);
  // Values on the bars: compile+link of hello, dynamic and static.
  EXPECT_NE(svg.find(">2.00</text>"), std::string::npos);
  EXPECT_NE(svg.find(">1.50</text>"), std::string::npos);
  EXPECT_NE(svg.find("write-up claims 76%"), std::string::npos);
}

TEST(SvgReportTest, EmptyRunStillWellFormed) {
  TimingRun run;
  run.date = "d";
  run.git_commit = "<&>";
  const std::string svg = SvgReport(run);
  EXPECT_EQ(XmlProblem(svg), "") << svg;
  EXPECT_NE(svg.find("no records"), std::string::npos);
}

TEST(SvgReportTest, NiceAxisHasHeadroomAndRoundSteps) {
  const Axis a = NiceAxis(2.4);
  EXPECT_DOUBLE_EQ(a.step, 1);
  EXPECT_DOUBLE_EQ(a.max, 3.0);
  const Axis b = NiceAxis(440);
  EXPECT_DOUBLE_EQ(b.step, 100);
  EXPECT_DOUBLE_EQ(b.max, 500);
  EXPECT_GT(NiceAxis(0).max, 0);
}

}  // namespace
}  // namespace staticship::timing
