#include "release/timing/record.h"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace staticship::timing {
namespace {

template <typename T>
void PutOptional(nlohmann::json& json, const char* key,
                 const std::optional<T>& value) {
  if (value) json[key] = *value;
}

template <typename T>
Result<std::optional<T>> GetOptional(const nlohmann::json& json,
                                     const char* key) {
  auto it = json.find(key);
  if (it == json.end() || it->is_null()) return std::optional<T>();
  try {
    return std::optional<T>(it->get<T>());
  } catch (const nlohmann::json::exception& e) {
    return MakeError(std::string("field '") + key + "': " + e.what());
  }
}

}  // namespace

bool IsVariant(const std::string& variant) {
  for (const char* known : kVariants) {
    if (variant == known) return true;
  }
  return false;
}

bool IsDurationStage(const std::string& stage) {
  for (const char* known : kDurationStages) {
    if (stage == known) return true;
  }
  return false;
}

bool IsSizeStage(const std::string& stage) {
  for (const char* known : kSizeStages) {
    if (stage == known) return true;
  }
  return false;
}

Status Validate(const TimingRecord& r) {
  if (r.service.empty()) return MakeError("record has no service");
  if (!IsVariant(r.variant)) {
    return MakeError("variant must be static, dynamic or dynamic-clang, got '" +
                     r.variant + "'");
  }
  if (r.kind != "cold" && r.kind != "incremental") {
    return MakeError("kind must be cold or incremental, got '" + r.kind + "'");
  }
  if (r.runtimes && *r.runtimes != "warm" && *r.runtimes != "cold") {
    return MakeError("runtimes must be warm or cold, got '" + *r.runtimes +
                     "'");
  }
  if (IsDurationStage(r.stage)) {
    if (!r.duration_ms) return MakeError("stage " + r.stage + " needs --ms");
    if (*r.duration_ms < 0) return MakeError("duration must not be negative");
  } else if (IsSizeStage(r.stage)) {
    if (!r.bytes) return MakeError("stage " + r.stage + " needs --bytes");
  } else {
    return MakeError("unknown stage '" + r.stage + "'");
  }
  if (r.bytes && *r.bytes < 0) return MakeError("bytes must not be negative");
  if (r.files && *r.files < 0) return MakeError("files must not be negative");
  return Status::Ok();
}

nlohmann::json ToJson(const TimingRecord& r) {
  nlohmann::json json = {{"service", r.service},
                         {"variant", r.variant},
                         {"stage", r.stage},
                         {"kind", r.kind}};
  PutOptional(json, "duration_ms", r.duration_ms);
  PutOptional(json, "bytes", r.bytes);
  PutOptional(json, "files", r.files);
  PutOptional(json, "shared_libs", r.shared_libs);
  PutOptional(json, "actions", r.actions);
  json["runtimes"] = r.runtimes ? nlohmann::json(*r.runtimes) : nullptr;
  return json;
}

Result<TimingRecord> RecordFromJson(const nlohmann::json& json) {
  if (!json.is_object()) return MakeError("record is not a JSON object");
  TimingRecord r;
  for (auto [key, field] :
       {std::pair{"service", &r.service}, std::pair{"variant", &r.variant},
        std::pair{"stage", &r.stage}}) {
    auto it = json.find(key);
    if (it == json.end() || !it->is_string()) {
      return MakeError(std::string("record lacks string field '") + key + "'");
    }
    *field = it->get<std::string>();
  }
  if (auto it = json.find("kind"); it != json.end() && it->is_string()) {
    r.kind = it->get<std::string>();
  }
  auto duration = GetOptional<double>(json, "duration_ms");
  auto bytes = GetOptional<std::int64_t>(json, "bytes");
  auto files = GetOptional<std::int64_t>(json, "files");
  auto shared_libs = GetOptional<std::int64_t>(json, "shared_libs");
  auto actions = GetOptional<std::int64_t>(json, "actions");
  auto runtimes = GetOptional<std::string>(json, "runtimes");
  if (!duration) return duration.error();
  if (!bytes) return bytes.error();
  if (!files) return files.error();
  if (!shared_libs) return shared_libs.error();
  if (!actions) return actions.error();
  if (!runtimes) return runtimes.error();
  r.duration_ms = *duration;
  r.bytes = *bytes;
  r.files = *files;
  r.shared_libs = *shared_libs;
  r.actions = *actions;
  r.runtimes = *runtimes;
  if (Status valid = Validate(r); !valid) return valid.error();
  return r;
}

Status AppendRecords(const std::string& path,
                     const std::vector<TimingRecord>& records) {
  std::ofstream out(path, std::ios::app);
  if (!out) return MakeError("cannot open " + path + " for appending");
  for (const TimingRecord& r : records) out << ToJson(r).dump() << '\n';
  out.flush();
  if (!out) return MakeError("cannot write " + path);
  return Status::Ok();
}

Result<std::vector<TimingRecord>> ReadRecords(const std::string& path) {
  std::ifstream in(path);
  if (!in) return MakeError("cannot open records file " + path);
  std::vector<TimingRecord> records;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto json =
        nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded()) {
      return MakeError(path + ":" + std::to_string(number) + ": not JSON");
    }
    auto record = RecordFromJson(json);
    if (!record) {
      return MakeError(path + ":" + std::to_string(number) + ": " +
                       record.message());
    }
    records.push_back(std::move(*record));
  }
  return records;
}

std::vector<TimingRecord> KeepLastOfEach(std::vector<TimingRecord> records) {
  std::vector<TimingRecord> kept;
  for (TimingRecord& r : records) {
    auto same = std::find_if(kept.begin(), kept.end(), [&](const auto& k) {
      return k.service == r.service && k.variant == r.variant &&
             k.stage == r.stage && k.kind == r.kind && k.runtimes == r.runtimes;
    });
    if (same == kept.end()) {
      kept.push_back(std::move(r));
    } else {
      *same = std::move(r);
    }
  }
  return kept;
}

}  // namespace staticship::timing
