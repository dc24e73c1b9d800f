#include "services/scheduler/snapshot.h"

#include <zlib.h>

#include <cstdint>
#include <cstring>

#include "services/scheduler/log_record.h"

namespace staticship::scheduler {
namespace {

constexpr char kMagic[8] = {'S', 'C', 'H', 'S', 'N', 'A', 'P', '1'};
constexpr size_t kHeaderBytes = 8 + 4 + 8 + 8;
// zlib's level 1 compresses JSON records well at a fraction of level 6's CPU;
// the snapshot is written while the scheduler keeps running.
constexpr int kLevel = 1;

void PutU64(uint64_t v, std::string* out) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

uint64_t GetU64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

}  // namespace

Result<std::string> EncodeSnapshot(const std::vector<std::string>& records) {
  std::string raw;
  for (const std::string& r : records) AppendRecord(r, &raw);
  uLongf bound = compressBound(static_cast<uLong>(raw.size()));
  std::string compressed(bound, '\0');
  int rc = compress2(reinterpret_cast<Bytef*>(compressed.data()), &bound,
                     reinterpret_cast<const Bytef*>(raw.data()),
                     static_cast<uLong>(raw.size()), kLevel);
  if (rc != Z_OK)
    return MakeError("zlib compress failed: " + std::to_string(rc));
  compressed.resize(bound);

  std::string out(kMagic, sizeof(kMagic));
  uint32_t crc = Crc32(compressed);
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(crc >> (8 * i)));
  PutU64(raw.size(), &out);
  PutU64(compressed.size(), &out);
  out += compressed;
  return out;
}

Result<std::vector<std::string>> DecodeSnapshot(std::string_view bytes) {
  if (bytes.size() < kHeaderBytes ||
      std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) != 0) {
    return MakeError("not a scheduler snapshot (bad header)");
  }
  uint32_t crc = 0;
  for (int i = 3; i >= 0; --i)
    crc = (crc << 8) | static_cast<uint8_t>(bytes[8 + i]);
  uint64_t raw_size = GetU64(bytes.data() + 12);
  uint64_t compressed_size = GetU64(bytes.data() + 20);
  std::string_view compressed = bytes.substr(kHeaderBytes);
  if (compressed.size() != compressed_size) {
    return MakeError("snapshot is " + std::to_string(compressed.size()) +
                     " bytes after the header, header says " +
                     std::to_string(compressed_size));
  }
  if (Crc32(compressed) != crc) return MakeError("snapshot CRC mismatch");
  if (raw_size > (uint64_t{1} << 36)) return MakeError("snapshot size absurd");
  std::string raw(raw_size, '\0');
  uLongf raw_len = static_cast<uLongf>(raw_size);
  int rc = uncompress(reinterpret_cast<Bytef*>(raw.data()), &raw_len,
                      reinterpret_cast<const Bytef*>(compressed.data()),
                      static_cast<uLong>(compressed.size()));
  if (rc != Z_OK || raw_len != raw_size) {
    return MakeError("snapshot does not decompress (zlib " +
                     std::to_string(rc) + ")");
  }
  ScanResult scan = ScanRecords(raw);
  if (scan.torn) {
    return MakeError("snapshot record at offset " +
                     std::to_string(scan.valid_bytes) + ": " + scan.reason);
  }
  return std::vector<std::string>(scan.records.begin(), scan.records.end());
}

}  // namespace staticship::scheduler
