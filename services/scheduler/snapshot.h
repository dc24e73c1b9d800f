// A snapshot is every task's latest record, framed like the log, compressed
// with zlib, behind a header carrying the sizes and a CRC of the compressed
// bytes. Unlike a torn log tail, a bad snapshot is never skipped: the logs it
// replaced are gone, so skipping it would silently lose tasks.
#ifndef STATICSHIP_SERVICES_SCHEDULER_SNAPSHOT_H_
#define STATICSHIP_SERVICES_SCHEDULER_SNAPSHOT_H_

#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"

namespace staticship::scheduler {

Result<std::string> EncodeSnapshot(const std::vector<std::string>& records);
Result<std::vector<std::string>> DecodeSnapshot(std::string_view bytes);

}  // namespace staticship::scheduler

#endif  // STATICSHIP_SERVICES_SCHEDULER_SNAPSHOT_H_
