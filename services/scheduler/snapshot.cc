#include "services/scheduler/snapshot.h"

#include <cstdint>
#include <cstring>

#include "common/archive/gzip.h"
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
  // The zlib format, as zlib's compress2() writes it.
  auto deflater =
      archive::Deflater::Create(kLevel, archive::Deflater::Format::kZlib);
  if (!deflater.ok()) return deflater.error();
  std::string compressed;
  if (Status s = deflater->Compress(raw, archive::Deflater::Flush::kFinish,
                                    compressed);
      !s.ok()) {
    return MakeError("zlib compress failed: " + s.message());
  }

  std::string out(kMagic, sizeof(kMagic));
  uint32_t crc = archive::Crc32(compressed);
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
  if (archive::Crc32(compressed) != crc) {
    return MakeError("snapshot CRC mismatch");
  }
  if (raw_size > (uint64_t{1} << 36)) return MakeError("snapshot size absurd");
  Result<std::string> raw = archive::Inflate(compressed);
  if (!raw.ok()) {
    return MakeError("snapshot does not decompress (" + raw.message() + ")");
  }
  if (raw->size() != raw_size) {
    return MakeError("snapshot decompresses to " + std::to_string(raw->size()) +
                     " bytes, header says " + std::to_string(raw_size));
  }
  ScanResult scan = ScanRecords(*raw);
  if (scan.torn) {
    return MakeError("snapshot record at offset " +
                     std::to_string(scan.valid_bytes) + ": " + scan.reason);
  }
  return std::vector<std::string>(scan.records.begin(), scan.records.end());
}

}  // namespace staticship::scheduler
