// A client for one repository of an OCI distribution registry: the push and
// pull halves of the distribution spec, with the registry's authentication
// (Basic, and the Bearer token flow), bounded retries of transient failures
// and digest checks on everything that goes out or comes in.
//
//   SocketTransport transport;
//   RegistryClient client(transport, ref.registry, ref.repository, creds, {});
//   if (Status s = client.Authenticate("pull,push"); !s.ok()) ...
//   if (!*client.BlobExists(digest)) client.UploadBlob(digest, bytes);
#ifndef STATICSHIP_RELEASE_REGISTRY_REGISTRY_CLIENT_H_
#define STATICSHIP_RELEASE_REGISTRY_REGISTRY_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/base/backoff.h"
#include "common/base/result.h"
#include "release/registry/content_cache.h"
#include "release/registry/credentials.h"
#include "release/registry/http_transport.h"
#include "release/registry/url.h"

namespace staticship::registry {

inline constexpr char kManifestAccept[] =
    "application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.oci.image.index.v1+json, "
    "application/vnd.docker.distribution.manifest.v2+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json";

struct ClientOptions {
  // "https" (certificates verified by the transport) or "http", which the
  // caller allows only for loopback registries (connection_flags.h). No
  // request ever moves from https to http: a Location, redirect or token
  // realm that would is refused.
  std::string scheme = "https";
  // Attempts per request for refused/reset connections, 5xx and 429.
  int max_attempts = 5;
  std::chrono::milliseconds initial_backoff{100};
  std::chrono::milliseconds max_backoff{2000};
  std::chrono::milliseconds request_timeout{60000};
  // How to wait between attempts; tests pass a recorder instead of sleeping.
  std::function<void(std::chrono::milliseconds)> sleep;
  // The jitter of the backoff between attempts (Backoff's full jitter, so
  // several pushers that fail together do not retry together). Empty: a
  // generator seeded from RandomSeed() for this client; tests pass
  // SeededRng(fixed) to get the same delays every run.
  Backoff::Rng jitter;
};

struct Manifest {
  std::string bytes;       // exactly as served: the digest is over these
  std::string media_type;  // from Content-Type, else from the document
  std::string digest;      // verified "sha256:<hex>"
};

struct TransferStats {
  int blobs_uploaded = 0;
  int blobs_present = 0;
  std::int64_t bytes_uploaded = 0;
  int retries = 0;
};

class RegistryClient {
 public:
  // registry is "host:port", reached with options.scheme.
  RegistryClient(HttpTransport& transport, std::string registry,
                 std::string repository, std::optional<Credentials> credentials,
                 ClientOptions options);

  // Pings /v2/ and answers its challenge. actions: "pull" or "pull,push".
  Status Authenticate(std::string_view actions);

  Result<bool> BlobExists(std::string_view digest);
  // POST an upload session, then one monolithic PUT ?digest=.
  Status UploadBlob(std::string_view digest, std::string_view bytes);
  // PUT /v2/<repo>/manifests/<reference>; returns the digest the registry
  // reports, after checking it against the sha256 of bytes.
  Result<std::string> PutManifest(std::string_view reference,
                                  std::string_view media_type,
                                  std::string_view bytes);

  // A manifest by digest, and a small blob, is read from the registry once
  // per client and its forks (content_cache.h); by tag, always.
  Result<Manifest> GetManifest(std::string_view reference);
  // Fetches a blob and checks its sha256 against digest.
  Result<std::string> GetBlob(std::string_view digest);

  // A second client for another thread, on the same transport (whose
  // connection pool is thread-safe: it opens a connection of its own), with
  // the authorization this one already holds, so it asks for none; its
  // stats start at zero. One client is never used by two threads at once.
  RegistryClient Fork() const;
  // Opens one more connection to the registry, idle until a request (of
  // this client or a fork) takes it: for a command that will soon send
  // requests from two threads at once.
  Status Preconnect();
  // Adds a fork's figures to this client's, once the fork is done.
  void AddStats(const TransferStats& other);

  const TransferStats& stats() const { return stats_; }
  const std::string& registry() const { return registry_; }

 private:
  Result<HttpResponse> Exchange(const std::string& method, const Url& url,
                                HeaderList headers, std::string_view body);
  Result<HttpResponse> ExchangeWithRetry(const std::string& method,
                                         const Url& url,
                                         const HeaderList& headers,
                                         std::string_view body);
  Status AnswerChallenge(const HttpResponse& response);
  Status FetchBearerToken(const std::string& realm, const std::string& service,
                          const std::string& scope);
  Error StatusError(std::string_view what, const HttpResponse& response) const;
  Url RepoUrl(std::string_view suffix) const;
  // An error when url would leave https for plain http.
  Status CheckNoDowngrade(const Url& url, std::string_view what) const;
  void Sleep(std::chrono::milliseconds delay);
  // Sends `request` until the outcome is not transient (a transport error
  // http::IsRetryable accepts, 5xx or 429) or max_attempts are spent; the
  // last outcome is returned and `*attempts` says how many were made.
  Result<HttpResponse> SendWithRetry(const HttpRequest& request, int* attempts);

  HttpTransport& transport_;
  std::string registry_;
  std::string repository_;
  std::optional<Credentials> credentials_;
  ClientOptions options_;
  Backoff backoff_;
  std::string actions_ = "pull";
  std::string authorization_;  // value of the Authorization header, or empty
  TransferStats stats_;
  std::shared_ptr<ContentCache> cache_ = std::make_shared<ContentCache>();
};

}  // namespace staticship::registry

#endif  // STATICSHIP_RELEASE_REGISTRY_REGISTRY_CLIENT_H_
