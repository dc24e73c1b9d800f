// Test helper: an independent decoder for pprof's profile.proto, so tests
// check the encoder's bytes against the format rather than against itself.
// Reads packed and unpacked repeated fields alike, as protobuf parsers must.
#ifndef STATICSHIP_COMMON_DIAGNOSTICS_TESTING_PROFILE_DECODER_H_
#define STATICSHIP_COMMON_DIAGNOSTICS_TESTING_PROFILE_DECODER_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace staticship::diagnostics::testing {

struct DecodedValueType {
  std::string type;
  std::string unit;
};

struct DecodedSample {
  std::vector<uint64_t> location_ids;
  std::vector<int64_t> values;
  std::map<std::string, std::string> labels;
};

struct DecodedMapping {
  uint64_t id = 0;
  uint64_t start = 0;
  uint64_t limit = 0;
  uint64_t offset = 0;
  std::string file;
  std::string build_id;
  bool has_functions = false;
};

struct DecodedLocation {
  uint64_t id = 0;
  uint64_t mapping_id = 0;
  uint64_t address = 0;
  std::vector<uint64_t> function_ids;  // one per line, innermost first
};

struct DecodedFunction {
  uint64_t id = 0;
  std::string name;
  std::string system_name;
};

struct DecodedProfile {
  std::vector<DecodedValueType> sample_types;
  std::vector<DecodedSample> samples;
  std::vector<DecodedMapping> mappings;
  std::vector<DecodedLocation> locations;
  std::vector<DecodedFunction> functions;
  std::vector<std::string> strings;
  int64_t time_nanos = 0;
  int64_t duration_nanos = 0;
  DecodedValueType period_type;
  int64_t period = 0;
  std::vector<std::string> comments;
  std::string default_sample_type;
};

namespace internal {

class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  bool done() const { return pos_ >= bytes_.size(); }
  bool ok() const { return ok_; }

  std::optional<uint64_t> Varint() {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= bytes_.size()) break;
      const auto byte = static_cast<unsigned char>(bytes_[pos_++]);
      value |= uint64_t{byte & 0x7fu} << shift;
      if ((byte & 0x80) == 0) return value;
    }
    ok_ = false;
    return std::nullopt;
  }
  // Field number and wire type of the next field.
  bool Key(int* field, int* wire) {
    auto key = Varint();
    if (!key) return false;
    *field = static_cast<int>(*key >> 3);
    *wire = static_cast<int>(*key & 7);
    return true;
  }
  std::optional<std::string_view> Bytes() {
    auto n = Varint();
    if (!n || *n > bytes_.size() - pos_) {
      ok_ = false;
      return std::nullopt;
    }
    std::string_view out = bytes_.substr(pos_, *n);
    pos_ += *n;
    return out;
  }
  bool Skip(int wire) {
    if (wire == 0) return Varint().has_value();
    if (wire == 2) return Bytes().has_value();
    if (wire == 1 && bytes_.size() - pos_ >= 8) return (pos_ += 8), true;
    if (wire == 5 && bytes_.size() - pos_ >= 4) return (pos_ += 4), true;
    ok_ = false;
    return false;
  }
  // A repeated varint field, packed (wire 2) or one value (wire 0).
  bool Repeated(int wire, std::vector<uint64_t>* out) {
    if (wire == 0) {
      auto v = Varint();
      if (v) out->push_back(*v);
      return v.has_value();
    }
    auto bytes = Bytes();
    if (!bytes) return false;
    Reader inner(*bytes);
    while (!inner.done()) {
      auto v = inner.Varint();
      if (!v) return ok_ = false;
      out->push_back(*v);
    }
    return true;
  }

 private:
  std::string_view bytes_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace internal

// nullopt when the bytes are not a well-formed message or an index points
// outside the string table.
inline std::optional<DecodedProfile> DecodeProfile(std::string_view bytes) {
  using internal::Reader;
  DecodedProfile p;
  struct RawValueType {
    uint64_t type = 0, unit = 0;
  };
  struct RawLabel {
    uint64_t key = 0, str = 0;
  };
  std::vector<RawValueType> sample_types;
  RawValueType period_type;
  std::vector<std::vector<RawLabel>> labels;
  std::vector<std::pair<uint64_t, uint64_t>> mapping_strings;  // file, id
  std::vector<std::pair<uint64_t, uint64_t>> function_strings;
  std::vector<uint64_t> comments;
  uint64_t default_type = 0;
  auto value_type = [](std::string_view b, RawValueType* out) {
    Reader r(b);
    int f, w;
    while (!r.done() && r.Key(&f, &w)) {
      if (f == 1 && w == 0) {
        out->type = r.Varint().value_or(0);
      } else if (f == 2 && w == 0) {
        out->unit = r.Varint().value_or(0);
      } else {
        r.Skip(w);
      }
    }
    return r.ok();
  };

  Reader r(bytes);
  int field, wire;
  while (!r.done()) {
    if (!r.Key(&field, &wire)) return std::nullopt;
    if (field == 1 && wire == 2) {
      RawValueType vt;
      auto b = r.Bytes();
      if (!b || !value_type(*b, &vt)) return std::nullopt;
      sample_types.push_back(vt);
    } else if (field == 2 && wire == 2) {
      auto b = r.Bytes();
      if (!b) return std::nullopt;
      Reader s(*b);
      DecodedSample sample;
      std::vector<uint64_t> values;
      std::vector<RawLabel> sample_labels;
      int f, w;
      while (!s.done() && s.Key(&f, &w)) {
        if (f == 1) {
          s.Repeated(w, &sample.location_ids);
        } else if (f == 2) {
          s.Repeated(w, &values);
        } else if (f == 3 && w == 2) {
          auto lb = s.Bytes();
          if (!lb) return std::nullopt;
          Reader l(*lb);
          RawLabel label;
          int lf, lw;
          while (!l.done() && l.Key(&lf, &lw)) {
            if (lf == 1 && lw == 0) {
              label.key = l.Varint().value_or(0);
            } else if (lf == 2 && lw == 0) {
              label.str = l.Varint().value_or(0);
            } else {
              l.Skip(lw);
            }
          }
          sample_labels.push_back(label);
        } else {
          s.Skip(w);
        }
      }
      if (!s.ok()) return std::nullopt;
      for (uint64_t v : values)
        sample.values.push_back(static_cast<int64_t>(v));
      p.samples.push_back(std::move(sample));
      labels.push_back(std::move(sample_labels));
    } else if (field == 3 && wire == 2) {
      auto b = r.Bytes();
      if (!b) return std::nullopt;
      Reader m(*b);
      DecodedMapping mapping;
      uint64_t file = 0, id = 0;
      int f, w;
      while (!m.done() && m.Key(&f, &w)) {
        uint64_t v = 0;
        if (w == 0) {
          v = m.Varint().value_or(0);
        } else {
          m.Skip(w);
          continue;
        }
        if (f == 1) mapping.id = v;
        if (f == 2) mapping.start = v;
        if (f == 3) mapping.limit = v;
        if (f == 4) mapping.offset = v;
        if (f == 5) file = v;
        if (f == 6) id = v;
        if (f == 7) mapping.has_functions = v != 0;
      }
      if (!m.ok()) return std::nullopt;
      p.mappings.push_back(mapping);
      mapping_strings.emplace_back(file, id);
    } else if (field == 4 && wire == 2) {
      auto b = r.Bytes();
      if (!b) return std::nullopt;
      Reader l(*b);
      DecodedLocation location;
      int f, w;
      while (!l.done() && l.Key(&f, &w)) {
        if (f == 4 && w == 2) {
          auto lb = l.Bytes();
          if (!lb) return std::nullopt;
          Reader line(*lb);
          int lf, lw;
          while (!line.done() && line.Key(&lf, &lw)) {
            if (lf == 1 && lw == 0) {
              location.function_ids.push_back(line.Varint().value_or(0));
            } else {
              line.Skip(lw);
            }
          }
          continue;
        }
        if (w != 0) {
          l.Skip(w);
          continue;
        }
        uint64_t v = l.Varint().value_or(0);
        if (f == 1) location.id = v;
        if (f == 2) location.mapping_id = v;
        if (f == 3) location.address = v;
      }
      if (!l.ok()) return std::nullopt;
      p.locations.push_back(location);
    } else if (field == 5 && wire == 2) {
      auto b = r.Bytes();
      if (!b) return std::nullopt;
      Reader fr(*b);
      DecodedFunction function;
      uint64_t name = 0, system_name = 0;
      int f, w;
      while (!fr.done() && fr.Key(&f, &w)) {
        if (w != 0) {
          fr.Skip(w);
          continue;
        }
        uint64_t v = fr.Varint().value_or(0);
        if (f == 1) function.id = v;
        if (f == 2) name = v;
        if (f == 3) system_name = v;
      }
      if (!fr.ok()) return std::nullopt;
      function_strings.emplace_back(name, system_name);
      p.functions.push_back(function);
    } else if (field == 6 && wire == 2) {
      auto b = r.Bytes();
      if (!b) return std::nullopt;
      p.strings.emplace_back(*b);
    } else if (field == 9 && wire == 0) {
      p.time_nanos = static_cast<int64_t>(r.Varint().value_or(0));
    } else if (field == 10 && wire == 0) {
      p.duration_nanos = static_cast<int64_t>(r.Varint().value_or(0));
    } else if (field == 11 && wire == 2) {
      auto b = r.Bytes();
      if (!b || !value_type(*b, &period_type)) return std::nullopt;
    } else if (field == 12 && wire == 0) {
      p.period = static_cast<int64_t>(r.Varint().value_or(0));
    } else if (field == 13) {
      if (!r.Repeated(wire, &comments)) return std::nullopt;
    } else if (field == 14 && wire == 0) {
      default_type = r.Varint().value_or(0);
    } else if (!r.Skip(wire)) {
      return std::nullopt;
    }
  }
  if (!r.ok() || p.strings.empty() || !p.strings[0].empty()) {
    return std::nullopt;
  }
  auto str = [&p](uint64_t i) -> std::optional<std::string> {
    if (i >= p.strings.size()) return std::nullopt;
    return p.strings[i];
  };
  for (const RawValueType& vt : sample_types) {
    auto t = str(vt.type), u = str(vt.unit);
    if (!t || !u) return std::nullopt;
    p.sample_types.push_back({*t, *u});
  }
  auto pt = str(period_type.type), pu = str(period_type.unit);
  if (!pt || !pu) return std::nullopt;
  p.period_type = {*pt, *pu};
  for (size_t i = 0; i < p.samples.size(); ++i) {
    for (const RawLabel& l : labels[i]) {
      auto k = str(l.key), v = str(l.str);
      if (!k || !v) return std::nullopt;
      p.samples[i].labels[*k] = *v;
    }
  }
  for (size_t i = 0; i < p.mappings.size(); ++i) {
    auto f = str(mapping_strings[i].first), b = str(mapping_strings[i].second);
    if (!f || !b) return std::nullopt;
    p.mappings[i].file = *f;
    p.mappings[i].build_id = *b;
  }
  for (size_t i = 0; i < p.functions.size(); ++i) {
    auto n = str(function_strings[i].first);
    auto sn = str(function_strings[i].second);
    if (!n || !sn) return std::nullopt;
    p.functions[i].name = *n;
    p.functions[i].system_name = *sn;
  }
  for (uint64_t c : comments) {
    auto s = str(c);
    if (!s) return std::nullopt;
    p.comments.push_back(*s);
  }
  auto d = str(default_type);
  if (!d) return std::nullopt;
  p.default_sample_type = *d;
  return p;
}

}  // namespace staticship::diagnostics::testing

#endif  // STATICSHIP_COMMON_DIAGNOSTICS_TESTING_PROFILE_DECODER_H_
