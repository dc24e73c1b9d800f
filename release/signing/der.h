// The few DER (X.690) shapes PKCS#8 needs, written forwards and read with
// bounds checks: Mbed TLS 2.28 can neither write an (encrypted) PKCS#8 key
// nor read one encrypted with AES, so those two structures are ours.
#ifndef STATICSHIP_RELEASE_SIGNING_DER_H_
#define STATICSHIP_RELEASE_SIGNING_DER_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "common/base/result.h"

namespace staticship::signing::der {

inline constexpr unsigned char kInteger = 0x02;
inline constexpr unsigned char kOctetString = 0x04;
inline constexpr unsigned char kNull = 0x05;
inline constexpr unsigned char kOid = 0x06;
inline constexpr unsigned char kSequence = 0x30;

// One element: tag, definite length, contents.
std::string Tlv(unsigned char tag, std::string_view contents);
std::string Sequence(std::string_view contents);
std::string OctetString(std::string_view contents);
std::string SmallInteger(std::uint32_t value);
// `encoded` is the OID's contents octets (e.g. "\x2a\x86\x48...").
std::string Oid(std::string_view encoded);

// Reads consecutive elements out of one contents range.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}

  bool empty() const { return data_.empty(); }
  // The next element's tag, without consuming it; 0 when nothing is left.
  unsigned char PeekTag() const {
    return data_.empty() ? 0 : static_cast<unsigned char>(data_[0]);
  }
  // Consumes the next element, which must carry `tag`; returns its contents.
  Result<std::string_view> Read(unsigned char tag);
  // Reads a non-negative INTEGER that fits in 32 bits.
  Result<std::uint32_t> ReadSmallInteger();

 private:
  std::string_view data_;
};

}  // namespace staticship::signing::der

#endif  // STATICSHIP_RELEASE_SIGNING_DER_H_
