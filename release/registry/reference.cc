#include "release/registry/reference.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include "release/common/sha256.h"

namespace staticship::registry {
namespace {

bool IsLowerAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// distribution/reference: path components of [a-z0-9]+ joined by ., _, __
// or runs of -; components separated by '/'.
bool ValidRepository(std::string_view repo) {
  if (repo.empty() || repo.size() > 255) return false;
  size_t start = 0;
  while (start <= repo.size()) {
    size_t end = repo.find('/', start);
    if (end == std::string_view::npos) end = repo.size();
    std::string_view part = repo.substr(start, end - start);
    if (part.empty() || !IsLowerAlnum(part.front()) ||
        !IsLowerAlnum(part.back())) {
      return false;
    }
    for (size_t i = 0; i < part.size(); ++i) {
      char c = part[i];
      if (IsLowerAlnum(c)) continue;
      if (c == '.' || c == '_' || c == '-') {
        if (c == '.' && !IsLowerAlnum(part[i + 1])) return false;
        continue;
      }
      return false;
    }
    start = end + 1;
  }
  return true;
}

bool ValidTag(std::string_view tag) {
  if (tag.empty() || tag.size() > 128) return false;
  for (size_t i = 0; i < tag.size(); ++i) {
    char c = tag[i];
    bool word = IsLowerAlnum(c) || (c >= 'A' && c <= 'Z') || c == '_';
    if (!word && (i == 0 || (c != '.' && c != '-'))) return false;
  }
  return true;
}

}  // namespace

Result<Reference> ParseReference(std::string_view text) {
  const std::string quoted = "'" + std::string(text) + "'";
  size_t slash = text.find('/');
  if (slash == std::string_view::npos || slash == 0) {
    return MakeError(
        "image reference " + quoted +
        " must start with the registry, e.g. 127.0.0.1:5000/app:tag");
  }
  Reference ref;
  ref.registry = std::string(text.substr(0, slash));
  if (ref.registry.find_first_of(":.") == std::string::npos &&
      ref.registry != "localhost") {
    return MakeError("image reference " + quoted + ": '" + ref.registry +
                     "' is not a registry host (expected HOST:PORT)");
  }
  std::string_view rest = text.substr(slash + 1);
  size_t at = rest.find('@');
  if (at != std::string_view::npos) {
    ref.digest = std::string(rest.substr(at + 1));
    if (!release::IsSha256Digest(ref.digest)) {
      return MakeError("image reference " + quoted +
                       ": digest must be sha256:<64 lowercase hex>");
    }
    rest = rest.substr(0, at);
  }
  size_t colon = rest.rfind(':');
  if (colon != std::string_view::npos) {
    ref.tag = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
    if (!ValidTag(ref.tag)) {
      return MakeError("image reference " + quoted + ": invalid tag");
    }
  }
  if (!ValidRepository(rest)) {
    return MakeError("image reference " + quoted +
                     ": invalid repository name (lower case, digits, . _ - /)");
  }
  ref.repository = std::string(rest);
  if (ref.tag.empty() && ref.digest.empty()) {
    return MakeError("image reference " + quoted +
                     " needs :TAG or @sha256:...");
  }
  return ref;
}

bool IsLoopbackRegistry(std::string_view registry) {
  std::string host(registry);
  if (host.starts_with("[")) {
    size_t close = host.find(']');
    if (close == std::string::npos) return false;
    host = host.substr(1, close - 1);
  } else {
    host = host.substr(0, host.rfind(':'));
  }
  if (host == "localhost") return true;
  // Addresses, not names that merely start like one ("127.example.com").
  in_addr v4{};
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;  // 127.0.0.0/8
  }
  in6_addr v6{};
  return ::inet_pton(AF_INET6, host.c_str(), &v6) == 1 &&
         IN6_IS_ADDR_LOOPBACK(&v6);
}

}  // namespace staticship::registry
