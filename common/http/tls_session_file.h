// TLS sessions kept on disk between processes, as curl's --ssl-sessions
// does: shipctl is one process per push, pull or deploy, so without this
// every command pays a full handshake (an ECDH exchange and two ECDSA
// verifications, about 10 ms here) to a registry it spoke to a second ago.
//
// One line per session, "<peer>\t<scope>\t<expires>\t<base64 session>":
//   peer     host:port as the connection named it
//   scope    the SHA-256 of the trusted CAs: a session verified under one
//            trust store is never resumed under another
//   expires  Unix seconds; a stale line is skipped and dropped at the next
//            write
// A session holds its connection's master secret, so the file is treated
// like a private key: written 0600 in a 0700 directory, and ignored when
// another user owns it or others may read it.
#ifndef STATICSHIP_COMMON_HTTP_TLS_SESSION_FILE_H_
#define STATICSHIP_COMMON_HTTP_TLS_SESSION_FILE_H_

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>

#include "common/base/result.h"

namespace staticship::http {

struct StoredSession {
  std::string bytes;  // mbedtls_ssl_session_save()'s serialization
  std::int64_t expires = 0;
};

class TlsSessionFile {
 public:
  explicit TlsSessionFile(std::filesystem::path path)
      : path_(std::move(path)) {}

  const std::filesystem::path& path() const { return path_; }

  // The unexpired sessions of `scope`, by peer. A missing file is empty;
  // one that is unsafe to trust is an error (the caller goes without).
  Result<std::map<std::string, StoredSession>> Load(std::string_view scope,
                                                    std::int64_t now) const;

  // Sets `peer`'s session in `scope`, keeping the other unexpired lines.
  // Concurrent writers each rename a whole file into place, so a reader
  // sees one of them; the loser's session is merely not remembered.
  Status Store(const std::string& peer, std::string_view scope,
               const StoredSession& session, std::int64_t now) const;

 private:
  std::filesystem::path path_;
};

// Where shipctl keeps its sessions: $STATICSHIP_TLS_SESSION_CACHE ("off"
// turns it off), else $XDG_CACHE_HOME/staticship/tls-sessions, else
// $HOME/.cache/staticship/tls-sessions; empty when none applies.
std::filesystem::path DefaultTlsSessionFile(
    const std::function<const char*(const char*)>& getenv);

}  // namespace staticship::http

#endif  // STATICSHIP_COMMON_HTTP_TLS_SESSION_FILE_H_
