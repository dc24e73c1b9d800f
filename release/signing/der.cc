#include "release/signing/der.h"

namespace staticship::signing::der {

std::string Tlv(unsigned char tag, std::string_view contents) {
  std::string out(1, static_cast<char>(tag));
  const std::size_t size = contents.size();
  if (size < 0x80) {
    out += static_cast<char>(size);
  } else {
    std::string length;
    for (std::size_t rest = size; rest > 0; rest >>= 8) {
      length.insert(length.begin(), static_cast<char>(rest & 0xff));
    }
    out += static_cast<char>(0x80 | length.size());
    out += length;
  }
  out += contents;
  return out;
}

std::string Sequence(std::string_view contents) {
  return Tlv(kSequence, contents);
}

std::string OctetString(std::string_view contents) {
  return Tlv(kOctetString, contents);
}

std::string SmallInteger(std::uint32_t value) {
  std::string bytes;
  do {
    bytes.insert(bytes.begin(), static_cast<char>(value & 0xff));
    value >>= 8;
  } while (value > 0);
  // A set top bit would make the number negative.
  if (static_cast<unsigned char>(bytes[0]) & 0x80) bytes.insert(0, 1, '\0');
  return Tlv(kInteger, bytes);
}

std::string Oid(std::string_view encoded) { return Tlv(kOid, encoded); }

Result<std::string_view> Reader::Read(unsigned char tag) {
  if (data_.size() < 2) return MakeError("DER: truncated element");
  if (static_cast<unsigned char>(data_[0]) != tag) {
    return MakeError("DER: unexpected element");
  }
  std::size_t size = static_cast<unsigned char>(data_[1]);
  std::size_t header = 2;
  if (size & 0x80) {
    const std::size_t octets = size & 0x7f;
    // Lengths past 4 octets are no key file's; 0 is BER's indefinite form.
    if (octets == 0 || octets > 4 || data_.size() < 2 + octets) {
      return MakeError("DER: bad length");
    }
    size = 0;
    for (std::size_t i = 0; i < octets; ++i) {
      size = (size << 8) | static_cast<unsigned char>(data_[2 + i]);
    }
    header += octets;
  }
  if (data_.size() - header < size) return MakeError("DER: truncated element");
  std::string_view contents = data_.substr(header, size);
  data_.remove_prefix(header + size);
  return contents;
}

Result<std::uint32_t> Reader::ReadSmallInteger() {
  Result<std::string_view> bytes = Read(kInteger);
  if (!bytes.ok()) return bytes.error();
  std::string_view digits = *bytes;
  if (digits.empty() || (static_cast<unsigned char>(digits[0]) & 0x80)) {
    return MakeError("DER: integer is not a non-negative number");
  }
  while (digits.size() > 1 && digits[0] == '\0') digits.remove_prefix(1);
  if (digits.size() > 4) return MakeError("DER: integer too large");
  std::uint32_t value = 0;
  for (char c : digits) value = (value << 8) | static_cast<unsigned char>(c);
  return value;
}

}  // namespace staticship::signing::der
