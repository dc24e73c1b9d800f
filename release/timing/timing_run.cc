#include "release/timing/timing_run.h"

#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace staticship::timing {

std::string IsoUtc(std::chrono::system_clock::time_point when) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(when);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

std::string MakeRunId(const std::string& iso_date,
                      const std::string& git_commit) {
  std::string id;
  for (char c : iso_date) {
    if (c != '-' && c != ':') id += c;
  }
  return id + "-" + git_commit.substr(0, 12);
}

nlohmann::json ToJson(const TimingRun& run) {
  nlohmann::json records = nlohmann::json::array();
  for (const TimingRecord& r : run.records) records.push_back(ToJson(r));
  return {{"schema", kTimingsSchema},     {"run_id", run.run_id},
          {"git_commit", run.git_commit}, {"date", run.date},
          {"host_cpus", run.host_cpus},   {"records", std::move(records)}};
}

Result<TimingRun> RunFromJson(const nlohmann::json& json) {
  if (!json.is_object() || json.value("schema", "") != kTimingsSchema) {
    return MakeError(std::string("not a ") + kTimingsSchema + " document");
  }
  TimingRun run;
  run.run_id = json.value("run_id", "");
  run.git_commit = json.value("git_commit", "");
  run.date = json.value("date", "");
  run.host_cpus = json.value("host_cpus", 0);
  auto records = json.find("records");
  if (records == json.end() || !records->is_array()) {
    return MakeError("run " + run.run_id + " has no records array");
  }
  for (const nlohmann::json& item : *records) {
    auto record = RecordFromJson(item);
    if (!record) return WithContext(record.error(), "run " + run.run_id);
    run.records.push_back(std::move(*record));
  }
  return run;
}

Result<std::vector<TimingRun>> ReadHistory(const std::string& path) {
  std::vector<TimingRun> runs;
  if (!std::filesystem::exists(path)) return runs;
  std::ifstream in(path);
  if (!in) return MakeError("cannot open history " + path);
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto json =
        nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    auto run = json.is_discarded() ? Result<TimingRun>(MakeError("not JSON"))
                                   : RunFromJson(json);
    if (!run) {
      return MakeError(path + ":" + std::to_string(number) + ": " +
                       run.message());
    }
    runs.push_back(std::move(*run));
  }
  return runs;
}

Status AppendToHistory(const std::string& path, const TimingRun& run) {
  std::ofstream out(path, std::ios::app);
  if (!out) return MakeError("cannot open history " + path + " for appending");
  out << ToJson(run).dump() << '\n';
  out.flush();
  if (!out) return MakeError("cannot write history " + path);
  return Status::Ok();
}

}  // namespace staticship::timing
