// One measurement of one stage of one service, as stored in records.jsonl,
// out/timings.json and out/history.jsonl.
#ifndef STATICSHIP_RELEASE_TIMING_RECORD_H_
#define STATICSHIP_RELEASE_TIMING_RECORD_H_

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/base/result.h"

namespace staticship::timing {

// Stages whose value is a duration. build_wall is the wall span of a
// service's actions; compile and link are sums of action durations; sign
// (signature and attestations, inside push) and verify (against the
// release policy) are what publishing adds.
inline constexpr const char* kDurationStages[] = {
    "compile", "link", "build_wall", "image",
    "push",    "sign", "verify",     "deploy"};
// Stages whose value is a size in bytes; they carry no duration.
inline constexpr const char* kSizeStages[] = {"binary_size", "image_size"};

// The build variants: static (zig clang, musl, fully static), dynamic (host
// gcc, glibc, libstdc++ shared) and dynamic-clang (the static build's clang
// and libc++, linked dynamically against glibc), which separates what the
// compiler changes from what static linking changes.
inline constexpr const char* kVariants[] = {"static", "dynamic",
                                            "dynamic-clang"};

bool IsVariant(const std::string& variant);

bool IsDurationStage(const std::string& stage);
bool IsSizeStage(const std::string& stage);

struct TimingRecord {
  std::string service;
  std::string variant;  // one of kVariants
  std::string stage;
  std::optional<double> duration_ms;        // set for duration stages
  std::optional<std::int64_t> bytes;        // set for size stages
  std::optional<std::int64_t> files;        // entries in an image
  std::optional<std::int64_t> shared_libs;  // *.so files in an image
  std::optional<std::int64_t> actions;      // Bazel actions summed
  std::string kind = "cold";                // "cold" or "incremental"
  std::optional<std::string> runtimes;      // "warm" or "cold"
};

// Checks the fields that make a record meaningful, so a typo in a pipeline
// flag fails at the point of recording instead of producing an empty row.
Status Validate(const TimingRecord& record);

nlohmann::json ToJson(const TimingRecord& record);
Result<TimingRecord> RecordFromJson(const nlohmann::json& json);

// Appends one JSON line per record; creates the file when missing.
Status AppendRecords(const std::string& path,
                     const std::vector<TimingRecord>& records);
Result<std::vector<TimingRecord>> ReadRecords(const std::string& path);

// A stage measured twice in one run (a retried push, a re-run profile step)
// keeps its last measurement, in the position of the first.
std::vector<TimingRecord> KeepLastOfEach(std::vector<TimingRecord> records);

}  // namespace staticship::timing

#endif  // STATICSHIP_RELEASE_TIMING_RECORD_H_
