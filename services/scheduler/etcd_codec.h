// The pieces of etcd v3's JSON gateway encoding that every caller needs:
// keys and values travel base64-encoded, 64-bit integers travel as JSON
// strings, and a prefix is a range [prefix, PrefixRangeEnd(prefix)).
#ifndef STATICSHIP_SERVICES_SCHEDULER_ETCD_CODEC_H_
#define STATICSHIP_SERVICES_SCHEDULER_ETCD_CODEC_H_

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/base64.h"
#include "common/base/result.h"

namespace staticship::scheduler::etcd {

using staticship::Base64Decode;
using staticship::Base64Encode;

// The smallest key greater than every key that starts with `prefix`.
std::string PrefixRangeEnd(std::string_view prefix);

// The gateway prints int64 fields as strings and omits zero values.
int64_t JsonInt(const nlohmann::json& object, const char* field);

// One mvccpb.KeyValue, decoded.
struct KeyValue {
  std::string key;
  std::string value;
  int64_t create_revision = 0;
  int64_t mod_revision = 0;
  int64_t lease = 0;
};

// One watch event; `deleted` is false for a put.
struct Event {
  bool deleted = false;
  KeyValue kv;
};

Result<KeyValue> ParseKeyValue(const nlohmann::json& kv);
// The "kvs" of a range response (absent when nothing matched).
Result<std::vector<KeyValue>> ParseKvs(const nlohmann::json& range_response);

// What one line of a /v3/watch stream says.
struct WatchMessage {
  int64_t header_revision = 0;
  bool created = false;
  bool canceled = false;
  // Non-zero when the start revision was compacted away (etcd#9386): the
  // caller must re-list, never retry this revision.
  int64_t compact_revision = 0;
  std::string cancel_reason;
  std::vector<Event> events;
};
Result<WatchMessage> ParseWatchLine(std::string_view line);

}  // namespace staticship::scheduler::etcd

#endif  // STATICSHIP_SERVICES_SCHEDULER_ETCD_CODEC_H_
