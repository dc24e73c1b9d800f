#include "release/policy/osv.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <system_error>

#include "common/base/file.h"
#include "release/policy/cvss.h"
#include "release/policy/package_id.h"

namespace staticship::policy {
namespace {

using Json = nlohmann::json;

// Field checks throw this; ParseOsvJson turns it into one error line.
struct FieldError {
  std::string where;
  std::string what;
};

[[noreturn]] void Fail(const std::string& where, const std::string& what) {
  throw FieldError{where, what};
}

// "X-1:" + "affected[0]" -> "X-1: affected[0]"; "affected[0]" + "package"
// -> "affected[0].package": the path to a field, for errors.
std::string Join(const std::string& where, const std::string& field) {
  if (where.empty()) return field;
  return where + (where.back() == ':' ? " " : ".") + field;
}

const Json* Find(const Json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

std::string String(const Json& object, const char* key,
                   const std::string& where, bool required) {
  const Json* value = Find(object, key);
  if (value == nullptr) {
    if (required) Fail(where, std::string("'") + key + "' is missing");
    return "";
  }
  if (!value->is_string()) {
    Fail(where, std::string("'") + key + "' is not a string");
  }
  return value->get<std::string>();
}

std::vector<std::string> Strings(const Json& object, const char* key,
                                 const std::string& where) {
  std::vector<std::string> out;
  const Json* value = Find(object, key);
  if (value == nullptr) return out;
  if (!value->is_array()) {
    Fail(where, std::string("'") + key + "' is not an array");
  }
  for (const Json& item : *value) {
    if (!item.is_string()) {
      Fail(where, std::string("'") + key + "' holds a non-string");
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

const Json& Array(const Json& object, const char* key,
                  const std::string& where) {
  static const Json kEmpty = Json::array();
  const Json* value = Find(object, key);
  if (value == nullptr) return kEmpty;
  if (!value->is_array()) {
    Fail(where, std::string("'") + key + "' is not an array");
  }
  return *value;
}

// cpe / cpes under `object` (a package or a database_specific object),
// each checked to be a CPE 2.3 name.
void CollectCpes(const Json& object, const std::string& where,
                 std::vector<std::string>* out) {
  if (const Json* one = Find(object, "cpe"); one != nullptr) {
    if (!one->is_string()) Fail(where, "'cpe' is not a string");
    out->push_back(one->get<std::string>());
  }
  for (const std::string& cpe : Strings(object, "cpes", where)) {
    out->push_back(cpe);
  }
  for (const std::string& cpe : *out) {
    if (auto parsed = ParseCpe23(cpe); !parsed.ok()) {
      Fail(where, parsed.message());
    }
  }
}

// database_specific: only severity and CPEs matter here; the rest is the
// database's own business.
void ReadDatabaseSpecific(const Json& parent, const std::string& where,
                          std::vector<std::string>* cpes,
                          std::string* severity) {
  const Json* db = Find(parent, "database_specific");
  if (db == nullptr) return;
  const std::string here = Join(where, "database_specific");
  if (!db->is_object()) Fail(here, "is not an object");
  CollectCpes(*db, here, cpes);
  if (const Json* s = Find(*db, "severity"); s != nullptr) {
    if (!s->is_string()) Fail(here, "'severity' is not a string");
    *severity = s->get<std::string>();
  }
}

std::vector<OsvSeverity> ReadSeverity(const Json& parent,
                                      const std::string& where) {
  std::vector<OsvSeverity> out;
  const Json& list = Array(parent, "severity", where);
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string here = Join(where, "severity[" + std::to_string(i) + "]");
    if (!list[i].is_object()) Fail(here, "is not an object");
    OsvSeverity s{String(list[i], "type", here, true),
                  String(list[i], "score", here, true)};
    // A vector the policy cannot score would make the record's severity
    // unknown without anyone noticing; it is the feed that is wrong.
    if (s.type == "CVSS_V3") {
      if (auto score = CvssV3BaseScore(s.score); !score.ok()) {
        Fail(here, score.message());
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

OsvRange ReadRange(const Json& json, const std::string& where) {
  if (!json.is_object()) Fail(where, "is not an object");
  OsvRange range;
  range.type = String(json, "type", where, true);
  if (range.type != "SEMVER" && range.type != "ECOSYSTEM" &&
      range.type != "GIT") {
    Fail(where, "unknown range type '" + range.type + "'");
  }
  const Json& events = Array(json, "events", where);
  bool introduced = false;
  for (size_t i = 0; i < events.size(); ++i) {
    const std::string here = Join(where, "events[" + std::to_string(i) + "]");
    if (!events[i].is_object() || events[i].size() != 1) {
      Fail(here, "must be an object with exactly one key");
    }
    const auto only = events[i].begin();
    const std::string& key = only.key();
    const Json& value = only.value();
    if (!value.is_string() || value.get<std::string>().empty()) {
      Fail(here, "'" + key + "' must be a non-empty string");
    }
    OsvEvent event;
    event.version = value.get<std::string>();
    if (key == "introduced") {
      event.kind = OsvEvent::Kind::kIntroduced;
      introduced = true;
    } else if (key == "fixed") {
      event.kind = OsvEvent::Kind::kFixed;
    } else if (key == "last_affected") {
      event.kind = OsvEvent::Kind::kLastAffected;
    } else if (key == "limit") {
      event.kind = OsvEvent::Kind::kLimit;
    } else {
      Fail(here, "unknown event '" + key + "'");
    }
    range.events.push_back(std::move(event));
  }
  if (!introduced) Fail(where, "has no 'introduced' event");
  return range;
}

OsvAffected ReadAffected(const Json& json, const std::string& where) {
  if (!json.is_object()) Fail(where, "is not an object");
  OsvAffected affected;
  if (const Json* package = Find(json, "package"); package != nullptr) {
    const std::string here = Join(where, "package");
    if (!package->is_object()) Fail(here, "is not an object");
    affected.ecosystem = String(*package, "ecosystem", here, true);
    affected.name = String(*package, "name", here, true);
    affected.purl = String(*package, "purl", here, false);
    if (!affected.purl.empty()) {
      if (auto purl = ParsePackageUrl(affected.purl); !purl.ok()) {
        Fail(here, purl.message());
      }
    }
    CollectCpes(*package, here, &affected.cpes);
  }
  const Json& ranges = Array(json, "ranges", where);
  for (size_t i = 0; i < ranges.size(); ++i) {
    affected.ranges.push_back(
        ReadRange(ranges[i], Join(where, "ranges[" + std::to_string(i) + "]")));
  }
  affected.versions = Strings(json, "versions", where);
  affected.severity = ReadSeverity(json, where);
  ReadDatabaseSpecific(json, where, &affected.cpes,
                       &affected.database_severity);
  return affected;
}

OsvRecord ReadRecord(const Json& json, const std::string& where) {
  if (!json.is_object()) Fail(where, "is not a JSON object");
  OsvRecord record;
  record.id = String(json, "id", where, true);
  const std::string here =
      (where.empty() ? record.id : where + " " + record.id) + ":";
  record.aliases = Strings(json, "aliases", here);
  record.summary = String(json, "summary", here, false);
  record.withdrawn = Find(json, "withdrawn") != nullptr;
  const Json& affected = Array(json, "affected", here);
  for (size_t i = 0; i < affected.size(); ++i) {
    record.affected.push_back(ReadAffected(
        affected[i], Join(here, "affected[" + std::to_string(i) + "]")));
  }
  record.severity = ReadSeverity(json, here);
  ReadDatabaseSpecific(json, here, &record.cpes, &record.database_severity);
  return record;
}

}  // namespace

Result<std::vector<OsvRecord>> ParseOsvJson(std::string_view json,
                                            const std::string& source) {
  const Json doc = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "OSV feed " + source + ": not valid JSON");
  }
  std::vector<OsvRecord> out;
  try {
    if (doc.is_array()) {
      for (size_t i = 0; i < doc.size(); ++i) {
        out.push_back(ReadRecord(doc[i], "[" + std::to_string(i) + "]"));
      }
    } else {
      out.push_back(ReadRecord(doc, ""));
    }
  } catch (const FieldError& e) {
    std::string where = e.where;
    if (!where.empty() && where.back() == ':') where.pop_back();
    return MakeError(ErrorCode::kInvalidArgument,
                     "OSV feed " + source + ": " +
                         (where.empty() ? "" : where + ": ") + e.what);
  }
  for (OsvRecord& record : out) record.source = source;
  return out;
}

Result<std::vector<OsvRecord>> LoadOsvFeed(const std::filesystem::path& path) {
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  if (std::filesystem::is_directory(path, ec)) {
    auto names = ListDirectory(path.string());
    if (!names.ok()) return WithContext(names.error(), "OSV feed");
    for (const std::string& name : *names) {
      if (name.size() > 5 && name.substr(name.size() - 5) == ".json") {
        files.push_back(path / name);
      }
    }
    std::sort(files.begin(), files.end());
    if (files.empty()) {
      return MakeError(ErrorCode::kNotFound,
                       "OSV feed " + path.string() + ": no *.json files");
    }
  } else {
    files.push_back(path);
  }
  std::vector<OsvRecord> out;
  for (const auto& file : files) {
    auto text = ReadWholeFile(file);
    if (!text.ok()) return WithContext(text.error(), "OSV feed");
    auto records = ParseOsvJson(*text, file.string());
    if (!records.ok()) return records.error();
    for (OsvRecord& r : *records) out.push_back(std::move(r));
  }
  return out;
}

}  // namespace staticship::policy
