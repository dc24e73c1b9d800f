// A run: every record of one pipeline invocation plus where and when it ran.
// Serialised as out/timings.json and as one line of out/history.jsonl.
#ifndef STATICSHIP_RELEASE_TIMING_TIMING_RUN_H_
#define STATICSHIP_RELEASE_TIMING_TIMING_RUN_H_

#include <chrono>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "release/timing/record.h"

namespace staticship::timing {

inline constexpr char kTimingsSchema[] = "staticship.timings/v1";

struct TimingRun {
  std::string run_id;
  std::string git_commit;
  std::string date;  // UTC, ISO-8601, e.g. 2026-11-27T05:11:25Z
  int host_cpus = 0;
  std::vector<TimingRecord> records;
};

std::string IsoUtc(std::chrono::system_clock::time_point when);
// Sorts like the date and names the commit, so two runs of one commit in
// the same second are the only collision.
std::string MakeRunId(const std::string& iso_date,
                      const std::string& git_commit);

nlohmann::json ToJson(const TimingRun& run);
Result<TimingRun> RunFromJson(const nlohmann::json& json);

// A missing history file is an empty history: the first run has no trend.
Result<std::vector<TimingRun>> ReadHistory(const std::string& path);
Status AppendToHistory(const std::string& path, const TimingRun& run);

}  // namespace staticship::timing

#endif  // STATICSHIP_RELEASE_TIMING_TIMING_RUN_H_
