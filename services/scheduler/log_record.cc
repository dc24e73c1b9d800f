#include "services/scheduler/log_record.h"

#include "common/archive/gzip.h"

namespace staticship::scheduler {
namespace {

void PutU32(uint32_t v, std::string* out) {
  char b[4] = {static_cast<char>(v), static_cast<char>(v >> 8),
               static_cast<char>(v >> 16), static_cast<char>(v >> 24)};
  out->append(b, 4);
}

uint32_t GetU32(const char* p) {
  auto u = [p](int i) {
    return static_cast<uint32_t>(static_cast<uint8_t>(p[i]));
  };
  return u(0) | (u(1) << 8) | (u(2) << 16) | (u(3) << 24);
}

}  // namespace

void AppendRecord(std::string_view payload, std::string* out) {
  PutU32(static_cast<uint32_t>(payload.size()), out);
  PutU32(archive::Crc32(payload), out);
  out->append(payload);
}

ScanResult ScanRecords(std::string_view buffer) {
  ScanResult result;
  size_t pos = 0;
  while (pos < buffer.size()) {
    if (buffer.size() - pos < kRecordHeaderBytes) {
      result.torn = true;
      result.reason = "incomplete record header";
      break;
    }
    uint32_t length = GetU32(buffer.data() + pos);
    uint32_t crc = GetU32(buffer.data() + pos + 4);
    if (length > kMaxRecordBytes) {
      result.torn = true;
      result.reason = "record length " + std::to_string(length) + " too large";
      break;
    }
    if (buffer.size() - pos - kRecordHeaderBytes < length) {
      result.torn = true;
      result.reason = "record cut short";
      break;
    }
    std::string_view payload = buffer.substr(pos + kRecordHeaderBytes, length);
    if (archive::Crc32(payload) != crc) {
      result.torn = true;
      result.reason = "CRC mismatch";
      break;
    }
    result.records.push_back(payload);
    pos += kRecordHeaderBytes + length;
  }
  result.valid_bytes = pos;
  return result;
}

}  // namespace staticship::scheduler
