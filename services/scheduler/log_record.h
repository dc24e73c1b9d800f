// Framing of write-ahead-log records: [u32 length][u32 crc32][payload], both
// little-endian. The CRC (zlib's crc32 over the payload) tells a torn or
// corrupted record from a good one.
#ifndef STATICSHIP_SERVICES_SCHEDULER_LOG_RECORD_H_
#define STATICSHIP_SERVICES_SCHEDULER_LOG_RECORD_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace staticship::scheduler {

inline constexpr size_t kRecordHeaderBytes = 8;
// Larger lengths can only come from corruption (a payload is capped at 1 MiB
// plus the task's bookkeeping).
inline constexpr uint32_t kMaxRecordBytes = 16u << 20;

void AppendRecord(std::string_view payload, std::string* out);

struct ScanResult {
  std::vector<std::string_view> records;  // point into the scanned buffer
  size_t valid_bytes = 0;                 // prefix made of whole, good records
  bool torn = false;                      // bytes after valid_bytes are bad
  std::string reason;                     // why the tail was rejected
};

// Reads records until the end or the first bad one. Everything from the first
// bad record on is the torn tail: a crash can only tear the last write, so
// nothing after it was ever acknowledged.
ScanResult ScanRecords(std::string_view buffer);

}  // namespace staticship::scheduler

#endif  // STATICSHIP_SERVICES_SCHEDULER_LOG_RECORD_H_
