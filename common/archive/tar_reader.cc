#include "common/archive/tar_reader.h"

#include <charconv>

namespace staticship::archive {
namespace {

constexpr std::size_t kBlock = 512;

// Octal (NUL/space padded) or GNU base-256 numeric header field.
Result<std::int64_t> ParseNumeric(std::string_view field) {
  if (!field.empty() && (static_cast<unsigned char>(field[0]) & 0x80)) {
    std::int64_t value = 0;
    for (size_t i = 1; i < field.size(); ++i) {
      value = (value << 8) | static_cast<unsigned char>(field[i]);
    }
    return value;
  }
  size_t start = field.find_first_not_of(' ');
  if (start == std::string_view::npos) return std::int64_t{0};
  field.remove_prefix(start);
  size_t end = field.find_first_of(std::string_view(" \0", 2));
  field = field.substr(0, end);
  if (field.empty()) return std::int64_t{0};
  std::int64_t value = 0;
  auto [ptr, ec] =
      std::from_chars(field.data(), field.data() + field.size(), value, 8);
  if (ec != std::errc() || ptr != field.data() + field.size()) {
    return MakeError("bad numeric field in tar header");
  }
  return value;
}

std::string_view CString(std::string_view field) {
  return field.substr(0, field.find('\0'));
}

// The PAX records we use; -1 (or empty) where a record is absent.
struct Pax {
  std::string path;
  std::string link;
  std::int64_t size = -1;
  std::int64_t uid = -1;
  std::int64_t gid = -1;
  std::int64_t mtime = -1;
};

// "<length> <key>=<value>\n" records; a malformed one ends the list.
void ParsePax(std::string_view records, Pax& pax) {
  while (!records.empty()) {
    size_t space = records.find(' ');
    if (space == std::string_view::npos) return;
    size_t length = 0;
    std::from_chars(records.data(), records.data() + space, length);
    if (length <= space + 1 || length > records.size()) return;
    std::string_view record = records.substr(space + 1, length - space - 2);
    records.remove_prefix(length);
    size_t eq = record.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = record.substr(0, eq);
    std::string_view value = record.substr(eq + 1);
    auto number = [&](std::int64_t& out) {
      std::from_chars(value.data(), value.data() + value.size(), out);
    };
    if (key == "path") pax.path = std::string(value);
    if (key == "linkpath") pax.link = std::string(value);
    if (key == "size") number(pax.size);
    if (key == "uid") number(pax.uid);
    if (key == "gid") number(pax.gid);
    if (key == "mtime") number(pax.mtime);
  }
}

}  // namespace

Result<std::optional<TarMember>> TarReader::Next() {
  std::string long_name, long_link;
  std::optional<Pax> pax;
  while (offset_ + kBlock <= archive_.size()) {
    const std::string_view header = archive_.substr(offset_, kBlock);
    if (header.find_first_not_of('\0') == std::string_view::npos) break;
    // Checksum: sum of header bytes with the checksum field as spaces.
    Result<std::int64_t> checksum = ParseNumeric(header.substr(148, 8));
    std::int64_t sum = 0;
    for (size_t i = 0; i < kBlock; ++i) {
      sum +=
          (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(header[i]);
    }
    if (!checksum.ok() || *checksum != sum) {
      return MakeError("tar header checksum mismatch at offset " +
                       std::to_string(offset_));
    }
    TarMember member;
    member.type = header[156];
    Result<std::int64_t> size = ParseNumeric(header.substr(124, 12));
    Result<std::int64_t> mode = ParseNumeric(header.substr(100, 8));
    Result<std::int64_t> uid = ParseNumeric(header.substr(108, 8));
    Result<std::int64_t> gid = ParseNumeric(header.substr(116, 8));
    Result<std::int64_t> mtime = ParseNumeric(header.substr(136, 12));
    if (!size.ok() || !mode.ok() || !uid.ok() || !gid.ok() || !mtime.ok() ||
        *size < 0) {
      return MakeError("bad tar header at offset " + std::to_string(offset_));
    }
    member.size = *size;
    member.mode = *mode;
    member.uid = *uid;
    member.gid = *gid;
    member.mtime = *mtime;
    std::string name(CString(header.substr(0, 100)));
    if (header.substr(257, 5) == "ustar") {
      std::string prefix(CString(header.substr(345, 155)));
      if (!prefix.empty()) name = prefix + "/" + name;
    }
    member.path = name;
    member.link = std::string(CString(header.substr(157, 100)));
    if (pax) {
      if (!pax->path.empty()) member.path = pax->path;
      if (!pax->link.empty()) member.link = pax->link;
      if (pax->size >= 0) member.size = pax->size;
      if (pax->uid >= 0) member.uid = pax->uid;
      if (pax->gid >= 0) member.gid = pax->gid;
      if (pax->mtime >= 0) member.mtime = pax->mtime;
    }
    offset_ += kBlock;
    if (member.size > static_cast<std::int64_t>(archive_.size() - offset_)) {
      return MakeError("tar entry '" + member.path + "' is truncated");
    }
    member.content = archive_.substr(offset_, static_cast<size_t>(member.size));
    offset_ +=
        (static_cast<size_t>(member.size) + kBlock - 1) / kBlock * kBlock;

    switch (member.type) {
      case 'x':
        pax.emplace();
        ParsePax(member.content, *pax);
        continue;
      case 'g':
        continue;  // global PAX header: nothing we use
      case 'L':
        long_name = std::string(CString(member.content));
        continue;
      case 'K':
        long_link = std::string(CString(member.content));
        continue;
      default:
        break;
    }
    if (!long_name.empty()) member.path = std::move(long_name);
    if (!long_link.empty()) member.link = std::move(long_link);
    return std::optional<TarMember>(std::move(member));
  }
  return std::optional<TarMember>();
}

}  // namespace staticship::archive
