#include "release/timing/commands.h"

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/base/file.h"
#include "common/base/flags.h"
#include "release/timing/junit_report.h"
#include "release/timing/markdown_report.h"
#include "release/timing/profile_parser.h"
#include "release/timing/record.h"
#include "release/timing/regression.h"
#include "release/timing/svg_report.h"
#include "release/timing/timing_run.h"

namespace staticship::timing {
namespace {

constexpr char kUsage[] =
    "usage:\n"
    "  shiptime profile --profile F.json --service NAME --targets FILE\n"
    "                   --variant static|dynamic|dynamic-clang\n"
    "                   --kind cold|incremental [--image LABEL]\n"
    "                   [--runtimes warm|cold] --out records.jsonl\n"
    "  shiptime record --service NAME --variant static|dynamic|dynamic-clang\n"
    "                  --stage STAGE\n"
    "                  [--ms N] [--bytes B] [--files N] [--shared-libs N]\n"
    "                  [--kind cold|incremental] [--runtimes warm|cold]\n"
    "                  --out records.jsonl\n"
    "      STAGE: compile link build_wall image push deploy (need --ms)\n"
    "             binary_size image_size (need --bytes)\n"
    "  shiptime report --records records.jsonl --history out/history.jsonl\n"
    "                  --out-dir out [--fail-on-regression]\n"
    "                  [--git-commit SHA] [--run-id ID]\n";

std::optional<std::string> OptionalRuntimes(const Flags& flags) {
  return flags.Get("runtimes");
}

int Fail(std::ostream& err, const std::string& message, int code) {
  err << "shiptime: " << message << "\n";
  return code;
}

int RunProfile(const Flags& flags, std::ostream& out, std::ostream& err) {
  for (const char* name :
       {"profile", "service", "targets", "variant", "kind", "out"}) {
    if (auto v = flags.Require(name); !v) {
      return Fail(err, v.message(), kExitUsage);
    }
  }
  auto targets = ReadTargetList(*flags.Get("targets"));
  if (!targets) return Fail(err, targets.message(), kExitFailure);
  const std::string image = flags.Get("image").value_or("");
  auto time = SummariseProfileFile(*flags.Get("profile"), *targets, image);
  if (!time) return Fail(err, time.message(), kExitFailure);
  const std::string kind = *flags.Get("kind");
  const std::string service = *flags.Get("service");
  if (kind == "cold" && time->compile_actions + time->link_actions == 0) {
    return Fail(err,
                "no Compiling/Linking action of " + service + "'s targets in " +
                    *flags.Get("profile") +
                    ": a cold build must run them (wrong --targets file, or "
                    "the output base was not clean?)",
                kExitFailure);
  }
  std::vector<TimingRecord> records;
  auto make = [&](const char* stage, std::int64_t us, int actions) {
    TimingRecord r;
    r.service = service;
    r.variant = *flags.Get("variant");
    r.stage = stage;
    r.kind = kind;
    r.runtimes = OptionalRuntimes(flags);
    r.duration_ms = static_cast<double>(us) / 1000;
    r.actions = actions;
    return r;
  };
  records.push_back(make("compile", time->compile_us, time->compile_actions));
  records.push_back(make("link", time->link_us, time->link_actions));
  records.push_back(make("build_wall", time->wall_us,
                         time->compile_actions + time->link_actions));
  if (!image.empty()) {
    // A build that changed the binary packs its image again; one that did
    // not pack it has nothing to report, which is an error.
    if (time->image_actions == 0) {
      return Fail(
          err, "no Packing action of " + image + " in " + *flags.Get("profile"),
          kExitFailure);
    }
    records.push_back(make("image", time->image_us, time->image_actions));
  }
  for (const TimingRecord& r : records) {
    if (Status valid = Validate(r); !valid) {
      return Fail(err, valid.message(), kExitUsage);
    }
  }
  if (Status s = AppendRecords(*flags.Get("out"), records); !s) {
    return Fail(err, s.message(), kExitFailure);
  }
  char line[256];
  std::snprintf(line, sizeof line,
                "%s %s %s: compile %.1f ms (%d actions), link %.1f ms (%d "
                "actions), wall %.1f ms\n",
                service.c_str(), records[0].variant.c_str(), kind.c_str(),
                time->compile_us / 1000.0, time->compile_actions,
                time->link_us / 1000.0, time->link_actions,
                time->wall_us / 1000.0);
  out << line;
  return kExitOk;
}

int RunRecord(const Flags& flags, std::ostream& err) {
  for (const char* name : {"service", "variant", "stage", "out"}) {
    if (auto v = flags.Require(name); !v) {
      return Fail(err, v.message(), kExitUsage);
    }
  }
  TimingRecord r;
  r.service = *flags.Get("service");
  r.variant = *flags.Get("variant");
  r.stage = *flags.Get("stage");
  r.kind = flags.Get("kind").value_or("cold");
  r.runtimes = OptionalRuntimes(flags);
  auto ms = flags.GetDouble("ms");
  auto bytes = flags.GetInt("bytes");
  auto files = flags.GetInt("files");
  auto shared_libs = flags.GetInt("shared-libs");
  for (const std::string* problem :
       {ms ? nullptr : &ms.message(), bytes ? nullptr : &bytes.message(),
        files ? nullptr : &files.message(),
        shared_libs ? nullptr : &shared_libs.message()}) {
    if (problem) return Fail(err, *problem, kExitUsage);
  }
  r.duration_ms = *ms;
  r.bytes = *bytes;
  r.files = *files;
  r.shared_libs = *shared_libs;
  if (Status valid = Validate(r); !valid) {
    return Fail(err, valid.message(), kExitUsage);
  }
  if (Status s = AppendRecords(*flags.Get("out"), {r}); !s) {
    return Fail(err, s.message(), kExitFailure);
  }
  return kExitOk;
}

int RunReport(const Flags& flags, const Environment& environment,
              std::ostream& out, std::ostream& err) {
  for (const char* name : {"records", "history", "out-dir"}) {
    if (auto v = flags.Require(name); !v) {
      return Fail(err, v.message(), kExitUsage);
    }
  }
  auto records = ReadRecords(*flags.Get("records"));
  if (!records) return Fail(err, records.message(), kExitFailure);
  auto history = ReadHistory(*flags.Get("history"));
  if (!history) return Fail(err, history.message(), kExitFailure);

  TimingRun run;
  run.git_commit = flags.Get("git-commit").value_or("unknown");
  run.date = IsoUtc(environment.now);
  run.run_id =
      flags.Get("run-id").value_or(MakeRunId(run.date, run.git_commit));
  run.host_cpus = environment.host_cpus;
  run.records = KeepLastOfEach(std::move(*records));

  // Re-running the report for one run must not count it as its own
  // baseline, nor append it twice.
  bool already_recorded = false;
  std::vector<TimingRun> earlier;
  for (TimingRun& past : *history) {
    if (past.run_id == run.run_id) {
      already_recorded = true;
    } else {
      earlier.push_back(std::move(past));
    }
  }
  const RegressionPolicy policy;
  const std::vector<Trend> trends = ComputeTrends(run, earlier, policy);
  const bool fail_on_regression = flags.GetBool("fail-on-regression");

  const std::filesystem::path dir = *flags.Get("out-dir");
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    return Fail(err, "cannot create " + dir.string() + ": " + error.message(),
                kExitFailure);
  }
  const std::pair<const char*, std::string> files[] = {
      {"timings.json", ToJson(run).dump(2) + "\n"},
      {"junit.xml", JunitReport(run, trends, fail_on_regression)},
      {"report.md", MarkdownReport(run, trends, policy)},
      {"report.svg", SvgReport(run)},
  };
  for (const auto& [name, content] : files) {
    if (Status s = WriteFileAtomically(dir / name, content); !s) {
      return Fail(err, s.message(), kExitFailure);
    }
  }
  if (!already_recorded) {
    if (Status s = AppendToHistory(*flags.Get("history"), run); !s) {
      return Fail(err, s.message(), kExitFailure);
    }
  }
  out << ComparisonMarkdown(run);

  std::string regressed;
  int count = 0;
  for (const Trend& t : trends) {
    if (!t.regression) continue;
    ++count;
    char change[32];
    std::snprintf(change, sizeof change, "%+.0f%%", t.change_pct.value_or(0));
    regressed += (regressed.empty() ? "" : ", ") + t.current.service + " " +
                 t.current.variant + " " + t.current.stage + " " +
                 (t.change_pct ? change : "up from 0 ms");
  }
  if (count > 0) {
    out << count << " regression(s): " << regressed << "\n";
    if (fail_on_regression) {
      char rule[128];
      std::snprintf(rule, sizeof rule,
                    " stage(s) more than %.0f%% slower than the median of the "
                    "last %d comparable runs: ",
                    policy.threshold * 100, policy.window);
      return Fail(err, std::to_string(count) + rule + regressed,
                  kExitRegression);
    }
  }
  return kExitOk;
}

}  // namespace

int RunShiptime(const std::vector<std::string>& args,
                const Environment& environment, std::ostream& out,
                std::ostream& err) {
  if (args.empty() || args[0] == "--help" || args[0] == "help") {
    (args.empty() ? err : out) << kUsage;
    return args.empty() ? kExitUsage : kExitOk;
  }
  const std::string command = args[0];
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  Result<Flags> flags = MakeError("unknown subcommand " + command);
  if (command == "profile") {
    flags = Flags::Parse(
        rest, {.values = {"profile", "service", "targets", "variant", "kind",
                          "runtimes", "out", "image"}});
  } else if (command == "record") {
    flags = Flags::Parse(
        rest, {.values = {"service", "variant", "stage", "ms", "bytes", "files",
                          "shared-libs", "kind", "runtimes", "out"}});
  } else if (command == "report") {
    flags = Flags::Parse(rest, {.values = {"records", "history", "out-dir",
                                           "git-commit", "run-id"},
                                .switches = {"fail-on-regression"}});
  }
  if (!flags) {
    err << "shiptime: " << flags.message() << "\n" << kUsage;
    return kExitUsage;
  }
  if (command == "profile") return RunProfile(*flags, out, err);
  if (command == "record") return RunRecord(*flags, err);
  return RunReport(*flags, environment, out, err);
}

}  // namespace staticship::timing
