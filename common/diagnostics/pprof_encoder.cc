#include "common/diagnostics/pprof_encoder.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <unordered_map>

#include "common/archive/gzip.h"
#include "common/diagnostics/proto_writer.h"

namespace staticship::diagnostics {
namespace {

// profile.proto's field numbers.
namespace profile_field {
constexpr int kSampleType = 1;
constexpr int kSample = 2;
constexpr int kMapping = 3;
constexpr int kLocation = 4;
constexpr int kFunction = 5;
constexpr int kStringTable = 6;
constexpr int kTimeNanos = 9;
constexpr int kDurationNanos = 10;
constexpr int kPeriodType = 11;
constexpr int kPeriod = 12;
constexpr int kComment = 13;
constexpr int kDefaultSampleType = 14;
}  // namespace profile_field

class StringTable {
 public:
  StringTable() { strings_.emplace_back(); }  // index 0 is ""
  int64_t Id(const std::string& s) {
    auto [it, added] =
        index_.try_emplace(s, static_cast<int64_t>(strings_.size()));
    if (added) strings_.push_back(s);
    return it->second;
  }
  const std::vector<std::string>& strings() const { return strings_; }

 private:
  std::map<std::string, int64_t> index_;
  std::vector<std::string> strings_;
};

ProtoWriter ValueType(StringTable& st, const char* type, const char* unit) {
  ProtoWriter w;
  w.Int64(1, st.Id(type));
  w.Int64(2, st.Id(unit));
  return w;
}

bool Overlaps(const Mapping& m, const LoadedObject& o) {
  return m.start < o.text_end && o.text_start < m.end;
}

// `m` as pprof should see it: from the start of the executable segment of
// the object it holds, when that segment starts inside it.
Mapping SegmentAligned(const Mapping& m,
                       const std::vector<LoadedObject>& objects) {
  Mapping out = m;
  for (const LoadedObject& o : objects) {
    if (o.text_start > m.start && o.text_start < m.end) {
      out.offset += o.text_start - m.start;
      out.start = o.text_start;
    }
  }
  return out;
}

}  // namespace

std::string EncodeProfileProto(const CpuProfile& profile,
                               const FunctionNamer& namer) {
  StringTable st;
  ProtoWriter out;

  // Mappings: the program's own first, then by address.
  const LoadedObject* main = nullptr;
  for (const LoadedObject& o : profile.objects) {
    if (o.is_main) main = &o;
  }
  std::vector<const Mapping*> mappings;
  for (const Mapping& m : profile.mappings) mappings.push_back(&m);
  std::stable_sort(mappings.begin(), mappings.end(),
                   [main](const Mapping* a, const Mapping* b) {
                     const bool a_main = main != nullptr && Overlaps(*a, *main);
                     const bool b_main = main != nullptr && Overlaps(*b, *main);
                     if (a_main != b_main) return a_main;
                     return a->start < b->start;
                   });
  auto mapping_of = [&mappings](uint64_t address) -> int {
    for (size_t i = 0; i < mappings.size(); ++i) {
      if (address >= mappings[i]->start && address < mappings[i]->end) {
        return static_cast<int>(i);
      }
    }
    return -1;
  };

  // Locations: one per distinct address.
  struct Location {
    uint64_t address;
    int mapping;               // index into `mappings`, -1: none
    uint64_t function_id = 0;  // 0: not named here
  };
  std::map<std::string, uint64_t> function_ids;  // by symbol
  std::vector<uint64_t> function_names;          // string ids, by id - 1
  std::vector<bool> named(mappings.size(), false);
  std::vector<Location> locations;
  std::unordered_map<uint64_t, uint64_t> location_ids;
  std::vector<bool> used(mappings.size(), false);
  for (size_t i = 0; i < mappings.size(); ++i) {
    used[i] = main != nullptr && Overlaps(*mappings[i], *main);
  }
  const int64_t period = 1000000000 / std::max(profile.hz, 1);
  for (const CpuProfile::Stack& stack : profile.stacks) {
    std::vector<uint64_t> ids;
    for (size_t i = 0; i < stack.pcs.size(); ++i) {
      const uint64_t address = i == 0 ? stack.pcs[i] : stack.pcs[i] - 1;
      auto [it, added] =
          location_ids.try_emplace(address, locations.size() + 1);
      if (added) {
        const int m = mapping_of(address);
        Location location{address, m};
        if (m >= 0) used[static_cast<size_t>(m)] = true;
        if (std::string name = namer ? namer(address) : ""; !name.empty()) {
          auto [f, first] =
              function_ids.try_emplace(name, function_names.size() + 1);
          if (first)
            function_names.push_back(static_cast<uint64_t>(st.Id(name)));
          location.function_id = f->second;
          if (m >= 0) named[static_cast<size_t>(m)] = true;
        }
        locations.push_back(location);
      }
      ids.push_back(it->second);
    }
    ProtoWriter sample;
    sample.Packed(1, ids);
    sample.Packed(2, {static_cast<uint64_t>(stack.count),
                      static_cast<uint64_t>(stack.count * period)});
    ProtoWriter label;
    label.Int64(1, st.Id("thread"));
    label.Int64(2, st.Id(stack.thread));
    sample.Message(3, label);
    out.Message(profile_field::kSample, sample);
  }

  std::vector<uint64_t> mapping_ids(mappings.size(), 0);
  uint64_t next_mapping_id = 1;
  for (size_t i = 0; i < mappings.size(); ++i) {
    if (!used[i]) continue;
    const Mapping m = SegmentAligned(*mappings[i], profile.objects);
    mapping_ids[i] = next_mapping_id++;
    std::string build_id;
    std::string file = m.path;
    for (const LoadedObject& o : profile.objects) {
      if (!Overlaps(m, o)) continue;
      build_id = o.build_id;
      if (file.empty()) file = o.path;
    }
    ProtoWriter w;
    w.Varint(1, mapping_ids[i]);
    w.Varint(2, m.start);
    w.Varint(3, m.end);
    w.Varint(4, m.offset);
    w.Int64(5, st.Id(file));
    w.Int64(6, st.Id(build_id));
    w.Bool(7, named[i]);  // has_functions
    out.Message(profile_field::kMapping, w);
  }
  for (size_t i = 0; i < locations.size(); ++i) {
    ProtoWriter w;
    w.Varint(1, i + 1);
    if (locations[i].mapping >= 0) {
      w.Varint(2, mapping_ids[static_cast<size_t>(locations[i].mapping)]);
    }
    w.Varint(3, locations[i].address);
    if (locations[i].function_id != 0) {
      ProtoWriter line;
      line.Varint(1, locations[i].function_id);
      w.Message(4, line);
    }
    out.Message(profile_field::kLocation, w);
  }
  for (size_t i = 0; i < function_names.size(); ++i) {
    // name and system_name alike: pprof demangles a name equal to its
    // system name.
    ProtoWriter w;
    w.Varint(1, i + 1);
    w.Varint(2, function_names[i]);
    w.Varint(3, function_names[i]);
    out.Message(profile_field::kFunction, w);
  }

  out.Message(profile_field::kSampleType, ValueType(st, "samples", "count"));
  out.Message(profile_field::kSampleType, ValueType(st, "cpu", "nanoseconds"));
  out.Int64(profile_field::kTimeNanos, profile.start_unix_ns);
  out.Int64(profile_field::kDurationNanos, profile.duration_ns);
  out.Message(profile_field::kPeriodType, ValueType(st, "cpu", "nanoseconds"));
  out.Int64(profile_field::kPeriod, period);
  char comment[256];
  std::snprintf(
      comment, sizeof(comment),
      "staticship: %llu samples at %d Hz (%llu signals) from %d threads, "
      "%llu dropped; "
      "setup %.3f ms, teardown %.3f ms, signal handlers %.3f ms, "
      "collector %.3f ms CPU",
      static_cast<unsigned long long>(profile.samples), profile.hz,
      static_cast<unsigned long long>(profile.signals), profile.threads,
      static_cast<unsigned long long>(profile.dropped),
      static_cast<double>(profile.setup_ns) / 1e6,
      static_cast<double>(profile.teardown_ns) / 1e6,
      static_cast<double>(profile.handler_ns) / 1e6,
      static_cast<double>(profile.collector_cpu_ns) / 1e6);
  out.Int64(profile_field::kComment, st.Id(comment));
  out.Int64(profile_field::kDefaultSampleType, st.Id("cpu"));
  for (const std::string& s : st.strings()) {
    out.Bytes(profile_field::kStringTable, s);
  }
  return out.Take();
}

Result<std::string> EncodeGzippedProfile(const CpuProfile& profile,
                                         const FunctionNamer& namer) {
  // Level 6, gzip's own default: profiles are small and written once.
  return archive::GzipCompress(EncodeProfileProto(profile, namer), 6);
}

}  // namespace staticship::diagnostics
