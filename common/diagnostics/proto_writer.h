// Just enough of the protobuf wire format to write pprof's profile.proto
// by hand (no protobuf library in the image): varints, length-delimited
// fields and packed repeated varints.
#ifndef STATICSHIP_COMMON_DIAGNOSTICS_PROTO_WRITER_H_
#define STATICSHIP_COMMON_DIAGNOSTICS_PROTO_WRITER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace staticship::diagnostics {

class ProtoWriter {
 public:
  // A varint field; proto3 leaves zeros out, and so does this.
  void Varint(int field, uint64_t value) {
    if (value == 0) return;
    Key(field, 0);
    RawVarint(value);
  }
  void Int64(int field, int64_t value) {
    Varint(field, static_cast<uint64_t>(value));
  }
  void Bool(int field, bool value) { Varint(field, value ? 1 : 0); }
  // A length-delimited field: a string or an embedded message's bytes.
  // Written even when empty: an empty string in a repeated field counts.
  void Bytes(int field, std::string_view bytes) {
    Key(field, 2);
    RawVarint(bytes.size());
    out_.append(bytes);
  }
  void Message(int field, const ProtoWriter& message) {
    Bytes(field, message.out_);
  }
  void Packed(int field, const std::vector<uint64_t>& values) {
    if (values.empty()) return;
    ProtoWriter packed;
    for (uint64_t v : values) packed.RawVarint(v);
    Bytes(field, packed.out_);
  }

  const std::string& bytes() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  void Key(int field, int wire_type) {
    RawVarint((static_cast<uint64_t>(field) << 3) |
              static_cast<uint64_t>(wire_type));
  }
  void RawVarint(uint64_t value) {
    while (value >= 0x80) {
      out_.push_back(static_cast<char>((value & 0x7f) | 0x80));
      value >>= 7;
    }
    out_.push_back(static_cast<char>(value));
  }

  std::string out_;
};

}  // namespace staticship::diagnostics

#endif  // STATICSHIP_COMMON_DIAGNOSTICS_PROTO_WRITER_H_
