#include "services/scheduler/etcd_codec.h"

#include <array>
#include <charconv>
#include <nlohmann/json.hpp>

namespace staticship::scheduler::etcd {
namespace {

using nlohmann::json;

}  // namespace

std::string PrefixRangeEnd(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    if (static_cast<uint8_t>(end.back()) < 0xff) {
      end.back() = static_cast<char>(static_cast<uint8_t>(end.back()) + 1);
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');  // etcd: "\0" means every key
}

int64_t JsonInt(const json& object, const char* field) {
  auto it = object.find(field);
  if (it == object.end()) return 0;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (!it->is_string()) return 0;
  const std::string& s = it->get_ref<const std::string&>();
  int64_t n = 0;
  std::from_chars(s.data(), s.data() + s.size(), n);
  return n;
}

Result<KeyValue> ParseKeyValue(const json& kv) {
  if (!kv.is_object()) return MakeError("etcd kv is not an object");
  KeyValue out;
  auto key = kv.find("key");
  if (key == kv.end() || !key->is_string()) {
    return MakeError("etcd kv has no key");
  }
  auto decoded_key = Base64Decode(key->get_ref<const std::string&>());
  if (!decoded_key.ok()) return decoded_key.error();
  out.key = std::move(decoded_key).value();
  if (auto value = kv.find("value"); value != kv.end() && value->is_string()) {
    auto decoded = Base64Decode(value->get_ref<const std::string&>());
    if (!decoded.ok()) return decoded.error();
    out.value = std::move(decoded).value();
  }
  out.create_revision = JsonInt(kv, "create_revision");
  out.mod_revision = JsonInt(kv, "mod_revision");
  out.lease = JsonInt(kv, "lease");
  return out;
}

Result<std::vector<KeyValue>> ParseKvs(const json& range_response) {
  std::vector<KeyValue> out;
  auto kvs = range_response.find("kvs");
  if (kvs == range_response.end()) return out;
  if (!kvs->is_array()) return MakeError("etcd range: kvs is not an array");
  out.reserve(kvs->size());
  for (const json& kv : *kvs) {
    auto parsed = ParseKeyValue(kv);
    if (!parsed.ok()) return parsed.error();
    out.push_back(std::move(parsed).value());
  }
  return out;
}

Result<WatchMessage> ParseWatchLine(std::string_view line) {
  json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return MakeError("etcd watch: line is not a JSON object");
  }
  if (auto error = j.find("error"); error != j.end()) {
    return MakeError("etcd watch: " + error->dump());
  }
  auto result = j.find("result");
  if (result == j.end() || !result->is_object()) {
    return MakeError("etcd watch: no result");
  }
  WatchMessage out;
  if (auto header = result->find("header"); header != result->end()) {
    out.header_revision = JsonInt(*header, "revision");
  }
  out.created = result->value("created", false);
  out.canceled = result->value("canceled", false);
  out.compact_revision = JsonInt(*result, "compact_revision");
  out.cancel_reason = result->value("cancel_reason", "");
  if (auto events = result->find("events"); events != result->end()) {
    if (!events->is_array()) return MakeError("etcd watch: bad events");
    for (const json& e : *events) {
      Event event;
      event.deleted = e.value("type", "PUT") == "DELETE";
      auto kv = ParseKeyValue(e.value("kv", json::object()));
      if (!kv.ok()) return kv.error();
      event.kv = std::move(kv).value();
      out.events.push_back(std::move(event));
    }
  }
  return out;
}

}  // namespace staticship::scheduler::etcd
