#include "release/timing/markdown_report.h"

#include <cstdio>
#include <sstream>

#include "release/timing/comparison.h"

namespace staticship::timing {
namespace {

std::string ClaimText(const ComparisonRow& row) {
  if (!row.claim) return "";
  char text[96];
  std::snprintf(text, sizeof text, "%.1f s → %.1f s (%.0f%%)",
                row.claim->dynamic_s, row.claim->static_s,
                row.claim->reduction_pct);
  return text;
}

std::string ReductionText(const ComparisonRow& row) {
  const auto pct = ReductionPct(row);
  if (!pct) return "n/a";
  if (*pct < 0)
    return FormatPct(pct) + " (static " +
           (row.is_size || row.is_count ? "larger" : "slower") + ")";
  return FormatPct(pct);
}

void WriteTables(std::ostringstream& out, const ServiceComparison& c) {
  out << "## Static against dynamic: " << c.service << "\n\n"
      << "| stage | dynamic | static | reduction | write-up claim (not "
         "measured here) |\n"
      << "|---|---:|---:|---:|---|\n";
  for (const ComparisonRow& row : c.durations) {
    out << "| " << row.label << " | " << FormatValue(row, row.dynamic_value)
        << " | " << FormatValue(row, row.static_value) << " | "
        << ReductionText(row) << " | " << ClaimText(row) << " |\n";
  }
  out << "\n| size | dynamic | static | reduction |\n|---|---:|---:|---:|\n";
  for (const ComparisonRow& row : c.sizes) {
    out << "| " << row.label << " | " << FormatValue(row, row.dynamic_value)
        << " | " << FormatValue(row, row.static_value) << " | "
        << ReductionText(row) << " |\n";
  }
  out << "\n";
  if (!HasDynamicClang(c)) return;
  // The third variant splits the difference; only rows it has are shown.
  out << "### Compiler against static linking: " << c.service << "\n\n"
      << "| stage | dynamic-gcc | dynamic-clang | static | compiler effect "
         "(dynamic-clang ÷ dynamic-gcc) | static-linking effect (static ÷ "
         "dynamic-clang) |\n"
      << "|---|---:|---:|---:|---:|---:|\n";
  for (const auto* rows : {&c.durations, &c.sizes}) {
    for (const ComparisonRow& row : *rows) {
      if (!row.dynamic_clang_value) continue;
      out << "| " << row.label << " | " << FormatValue(row, row.dynamic_value)
          << " | " << FormatValue(row, row.dynamic_clang_value) << " | "
          << FormatValue(row, row.static_value) << " | "
          << FormatRatio(CompilerEffect(row)) << " | "
          << FormatRatio(StaticLinkingEffect(row)) << " |\n";
    }
  }
  out << "\n";
}

bool RunHasDynamicClang(const TimingRun& run) {
  for (const TimingRecord& r : run.records) {
    if (r.variant == "dynamic-clang") return true;
  }
  return false;
}

std::string Verdict(const Trend& t, const RegressionPolicy& policy) {
  if (t.regression) return "**REGRESSION**";
  if (t.baseline_runs < policy.minimum_runs) {
    return "no verdict (" + std::to_string(t.baseline_runs) + " of " +
           std::to_string(policy.minimum_runs) + " runs needed)";
  }
  return "ok";
}

}  // namespace

std::string ComparisonMarkdown(const TimingRun& run) {
  std::ostringstream out;
  std::vector<ServiceComparison> services;
  for (const std::string& service : ServicesIn(run.records)) {
    services.push_back(CompareService(run.records, service));
    WriteTables(out, services.back());
  }
  if (services.size() > 1) WriteTables(out, CompareTotal(services));
  return out.str();
}

std::string MarkdownReport(const TimingRun& run,
                           const std::vector<Trend>& trends,
                           const RegressionPolicy& policy) {
  std::ostringstream out;
  out << "# staticship timings\n\n"
      << "Run `" << run.run_id << "`, commit `" << run.git_commit << "`, "
      << run.date << ", " << run.host_cpus << " CPUs.\n\n"
      << "Durations are Bazel action time for compile+link (the sum over the "
         "service's own targets, from the trace profile) and tool time on a "
         "monotonic clock for the other stages. Reduction is (dynamic − "
         "static) / dynamic. The last column repeats the figures of the "
         "write-up that motivated staticship: claims, not measurements.\n\n";
  if (RunHasDynamicClang(run)) {
    out << "dynamic is the gcc baseline (dynamic-gcc). dynamic-clang is the "
           "static build's clang and libc++, linked dynamically against "
           "glibc; it splits the difference: compiler effect = dynamic-clang "
           "÷ dynamic-gcc, static-linking effect = static ÷ dynamic-clang. "
           "Below 1.00× the second is faster or smaller; the two multiply to "
           "static ÷ dynamic-gcc.\n\n";
  }
  out << ComparisonMarkdown(run);

  out << "## What makes the difference\n\n";
  bool explained = false;
  for (const std::string& service : ServicesIn(run.records)) {
    for (const std::string& line : Explain(run.records, service)) {
      out << "- " << service << ": " << line << "\n";
      explained = true;
    }
  }
  if (!explained) out << "- No stage has both a static and a dynamic record.\n";

  char rule[1024];
  std::snprintf(rule, sizeof rule,
                "A stage regresses when it is more than %.0f%% (and at least "
                "%.0f ms) slower than the median of the last %d comparable "
                "runs; at least %d earlier runs are needed for a verdict.",
                policy.threshold * 100, policy.noise_floor_ms, policy.window,
                policy.minimum_runs);
  out << "\n## Trend against earlier runs\n\n"
      << rule << "\n\n"
      << "| service | variant | stage | kind | runtimes | now | median "
         "before | change | runs | verdict |\n"
      << "|---|---|---|---|---|---:|---:|---:|---:|---|\n";
  int regressions = 0;
  for (const Trend& t : trends) {
    const TimingRecord& r = t.current;
    std::string change = "n/a";
    if (t.change_pct) {
      char text[32];
      std::snprintf(text, sizeof text, "%+.1f%%", *t.change_pct);
      change = text;
    }
    out << "| " << r.service << " | " << r.variant << " | " << r.stage << " | "
        << r.kind << " | " << r.runtimes.value_or("-") << " | "
        << FormatMs(*r.duration_ms) << " | "
        << (t.median_ms ? FormatMs(*t.median_ms) : "n/a") << " | " << change
        << " | " << t.baseline_runs << " | " << Verdict(t, policy) << " |\n";
    regressions += t.regression ? 1 : 0;
  }
  out << "\n" << regressions << " regression(s) flagged.\n";
  return out.str();
}

}  // namespace staticship::timing
