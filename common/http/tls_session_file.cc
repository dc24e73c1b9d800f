#include "common/http/tls_session_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <optional>
#include <vector>

#include "common/base/base64.h"
#include "common/base/file.h"

namespace staticship::http {
namespace {

struct Line {
  std::string peer;
  std::string scope;
  std::int64_t expires = 0;
  std::string bytes;
};

// nullopt for a line that is not four well-formed fields: a torn or foreign
// line costs one full handshake, never an error.
std::optional<Line> ParseLine(std::string_view text) {
  std::string_view fields[4];
  for (int i = 0; i < 4; ++i) {
    const size_t tab = text.find('\t');
    if ((i < 3) == (tab == std::string_view::npos)) return std::nullopt;
    fields[i] = text.substr(0, tab);
    text = i < 3 ? text.substr(tab + 1) : std::string_view();
  }
  Line line;
  line.peer = fields[0];
  line.scope = fields[1];
  const auto [end, ec] = std::from_chars(
      fields[2].data(), fields[2].data() + fields[2].size(), line.expires);
  if (ec != std::errc() || end != fields[2].data() + fields[2].size()) {
    return std::nullopt;
  }
  Result<std::string> bytes = Base64Decode(fields[3]);
  if (!bytes.ok() || line.peer.empty() || line.scope.empty()) {
    return std::nullopt;
  }
  line.bytes = std::move(*bytes);
  return line;
}

Result<std::vector<Line>> ReadLines(const std::filesystem::path& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return std::vector<Line>();
    return ErrnoError("cannot stat", path.string());
  }
  if (!S_ISREG(st.st_mode)) {
    return MakeError(path.string() + " is not a regular file");
  }
  if (st.st_uid != ::geteuid() || (st.st_mode & 077) != 0) {
    return MakeError(path.string() +
                     " is open to other users (it must be yours and mode "
                     "0600): its sessions are not used");
  }
  Result<std::string> text = ReadWholeFile(path);
  if (!text.ok()) return text.error();
  std::vector<Line> lines;
  std::string_view rest = *text;
  while (!rest.empty()) {
    const size_t nl = rest.find('\n');
    if (auto line = ParseLine(rest.substr(0, nl))) {
      lines.push_back(std::move(*line));
    }
    rest = nl == std::string_view::npos ? "" : rest.substr(nl + 1);
  }
  return lines;
}

}  // namespace

Result<std::map<std::string, StoredSession>> TlsSessionFile::Load(
    std::string_view scope, std::int64_t now) const {
  Result<std::vector<Line>> lines = ReadLines(path_);
  if (!lines.ok()) return lines.error();
  std::map<std::string, StoredSession> sessions;
  for (Line& line : *lines) {
    if (line.scope != scope || line.expires <= now) continue;
    sessions[line.peer] = {std::move(line.bytes), line.expires};
  }
  return sessions;
}

Status TlsSessionFile::Store(const std::string& peer, std::string_view scope,
                             const StoredSession& session,
                             std::int64_t now) const {
  Result<std::vector<Line>> lines = ReadLines(path_);
  if (!lines.ok()) return lines.error();
  std::string text;
  auto append = [&text](std::string_view p, std::string_view s,
                        std::int64_t expires, std::string_view bytes) {
    text.append(p).append("\t").append(s).append("\t");
    text.append(std::to_string(expires)).append("\t");
    text.append(Base64Encode(bytes)).append("\n");
  };
  for (const Line& line : *lines) {
    if (line.expires <= now || (line.peer == peer && line.scope == scope)) {
      continue;
    }
    append(line.peer, line.scope, line.expires, line.bytes);
  }
  append(peer, scope, session.expires, session.bytes);
  if (Status made = MakeDirs(path_.parent_path().string()); !made.ok()) {
    return made;
  }
  return WriteFileAtomically(path_, text, {.mode = 0600});
}

std::filesystem::path DefaultTlsSessionFile(
    const std::function<const char*(const char*)>& getenv) {
  if (const char* file = getenv("STATICSHIP_TLS_SESSION_CACHE")) {
    const std::string_view value(file);
    if (value == "off") return {};
    if (!value.empty()) return std::filesystem::path(value);
  }
  if (const char* xdg = getenv("XDG_CACHE_HOME"); xdg && *xdg == '/') {
    return std::filesystem::path(xdg) / "staticship" / "tls-sessions";
  }
  if (const char* home = getenv("HOME"); home && *home == '/') {
    return std::filesystem::path(home) / ".cache" / "staticship" /
           "tls-sessions";
  }
  return {};
}

}  // namespace staticship::http
