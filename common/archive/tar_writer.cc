#include "common/archive/tar_writer.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <tuple>
#include <utility>

namespace staticship::archive {
namespace {

constexpr std::size_t kBlock = 512;
constexpr std::size_t kNameSize = 100;
constexpr std::size_t kPrefixSize = 155;
constexpr std::uint64_t kMaxOctal11 = 077777777777ULL;  // size, mtime
constexpr std::uint64_t kMaxOctal7 = 07777777ULL;       // uid, gid

// Field offsets of the POSIX ustar header.
constexpr std::size_t kOffName = 0, kOffMode = 100, kOffUid = 108,
                      kOffGid = 116, kOffSize = 124, kOffMtime = 136,
                      kOffChecksum = 148, kOffType = 156, kOffLink = 157,
                      kOffMagic = 257, kOffVersion = 263, kOffPrefix = 345;

// Zero-padded octal of `width - 1` digits plus a NUL, as GNU and Go write.
void PutOctal(char* header, std::size_t offset, std::size_t width,
              std::uint64_t value) {
  for (std::size_t i = width - 1; i-- > 0;) {
    header[offset + i] = static_cast<char>('0' + (value & 7));
    value >>= 3;
  }
  header[offset + width - 1] = '\0';
}

void PutString(char* header, std::size_t offset, std::string_view value) {
  std::memcpy(header + offset, value.data(), value.size());
}

// Splits a path into ustar prefix/name if possible.
std::optional<std::pair<std::string_view, std::string_view>> SplitUstar(
    std::string_view path) {
  if (path.size() <= kNameSize) return std::pair{std::string_view{}, path};
  // The split must be at a '/', with prefix <= 155 and name <= 100.
  const std::size_t start = path.size() - kNameSize - 1;
  for (std::size_t i = start; i < path.size() && i <= kPrefixSize; ++i) {
    if (path[i] == '/' && i > 0 && i + 1 < path.size()) {
      return std::pair{path.substr(0, i), path.substr(i + 1)};
    }
  }
  return std::nullopt;
}

// One PAX record: "<len> <key>=<value>\n" where len counts itself.
std::string PaxRecord(std::string_view key, std::string_view value) {
  const std::size_t base = key.size() + value.size() + 3;  // ' ', '=', '\n'
  std::size_t length = base + 1;
  while (std::to_string(length).size() + base != length) ++length;
  return std::to_string(length) + " " + std::string(key) + "=" +
         std::string(value) + "\n";
}

std::string UstarBlock(std::string_view prefix, std::string_view name,
                       char type, std::uint32_t mode, std::uint64_t uid,
                       std::uint64_t gid, std::uint64_t size,
                       std::int64_t mtime, std::string_view link) {
  std::string block(kBlock, '\0');
  char* h = block.data();
  PutString(h, kOffName, name);
  PutOctal(h, kOffMode, 8, mode & 07777);
  PutOctal(h, kOffUid, 8, std::min<std::uint64_t>(uid, kMaxOctal7));
  PutOctal(h, kOffGid, 8, std::min<std::uint64_t>(gid, kMaxOctal7));
  PutOctal(h, kOffSize, 12, std::min<std::uint64_t>(size, kMaxOctal11));
  PutOctal(h, kOffMtime, 12,
           std::min<std::uint64_t>(
               static_cast<std::uint64_t>(std::max<std::int64_t>(mtime, 0)),
               kMaxOctal11));
  h[kOffType] = type;
  PutString(h, kOffLink, link.substr(0, kNameSize));
  PutString(h, kOffMagic, std::string_view("ustar\0", 6));
  PutString(h, kOffVersion, "00");
  // devmajor/devminor stay NUL: we write no device nodes (as GNU tar and
  // CPython leave them for regular entries).
  PutString(h, kOffPrefix, prefix);
  // The checksum is computed with its own field read as eight spaces.
  std::memset(h + kOffChecksum, ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : block) sum += c;
  PutOctal(h, kOffChecksum, 7, sum);
  h[kOffChecksum + 7] = ' ';
  return block;
}

}  // namespace

std::size_t TarPaddingSize(std::uint64_t size) {
  return static_cast<std::size_t>((kBlock - size % kBlock) % kBlock);
}

std::string_view TarTrailer() {
  static constexpr char kZeros[2 * kBlock] = {};
  return std::string_view(kZeros, sizeof(kZeros));
}

std::string EncodeTarHeader(const TarEntry& entry, std::int64_t mtime) {
  std::string path = entry.path;
  if (entry.type == TarEntryType::kDirectory) path += '/';
  const std::uint64_t size = entry.type == TarEntryType::kFile ? entry.size : 0;
  const char type = entry.type == TarEntryType::kFile        ? '0'
                    : entry.type == TarEntryType::kDirectory ? '5'
                                                             : '2';

  std::string pax;
  auto split = SplitUstar(path);
  std::string_view prefix, name;
  if (split) {
    std::tie(prefix, name) = *split;
  } else {
    pax += PaxRecord("path", path);
    name = std::string_view(path).substr(0, kNameSize);
  }
  if (entry.link_target.size() > kNameSize) {
    pax += PaxRecord("linkpath", entry.link_target);
  }
  if (size > kMaxOctal11) pax += PaxRecord("size", std::to_string(size));
  if (entry.uid > kMaxOctal7)
    pax += PaxRecord("uid", std::to_string(entry.uid));
  if (entry.gid > kMaxOctal7)
    pax += PaxRecord("gid", std::to_string(entry.gid));

  std::string out;
  if (!pax.empty()) {
    // A fixed, content-derived name (never a pid) keeps the bytes stable.
    std::string pax_name = "PaxHeaders/" + path;
    if (pax_name.size() > kNameSize) pax_name.resize(kNameSize);
    out += UstarBlock("", pax_name, 'x', 0644, 0, 0, pax.size(), mtime, "");
    out += pax;
    out.append(TarPaddingSize(pax.size()), '\0');
  }
  out += UstarBlock(prefix, name, type, entry.mode, entry.uid, entry.gid, size,
                    mtime, entry.link_target);
  return out;
}

void TarBuilder::Add(const TarEntry& entry, std::string_view content) {
  out_ += EncodeTarHeader(entry, mtime_);
  out_.append(content);
  out_.append(TarPaddingSize(content.size()), '\0');
}

void TarBuilder::AddDirectory(std::string path, std::uint32_t mode,
                              std::uint32_t uid, std::uint32_t gid) {
  Add(TarEntry{std::move(path), TarEntryType::kDirectory, mode, uid, gid, 0,
               ""},
      "");
}

void TarBuilder::AddFile(std::string path, std::uint32_t mode,
                         std::string_view content, std::uint32_t uid,
                         std::uint32_t gid) {
  Add(TarEntry{std::move(path), TarEntryType::kFile, mode, uid, gid,
               content.size(), ""},
      content);
}

void TarBuilder::AddSymlink(std::string path, std::string target) {
  Add(TarEntry{std::move(path), TarEntryType::kSymlink, 0777, 0, 0, 0,
               std::move(target)},
      "");
}

std::string TarBuilder::Finish() && {
  out_.append(TarTrailer());
  return std::move(out_);
}

}  // namespace staticship::archive
