#include "release/registry/registry_client.h"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/base/base64.h"
#include "common/base/random_seed.h"
#include "common/http/client.h"
#include "release/common/sha256.h"
#include "release/registry/challenge.h"

namespace staticship::registry {
namespace {

bool IsTransientStatus(int status) { return status == 429 || status >= 500; }

// The code a final HTTP status leaves its error with, after gRPC's mapping
// of HTTP statuses, so that callers can tell "no such manifest" from "not
// allowed" without reading the message.
ErrorCode CodeOfStatus(int status) {
  switch (status) {
    case 400:
      return ErrorCode::kInvalidArgument;
    case 401:
      return ErrorCode::kUnauthenticated;
    case 403:
      return ErrorCode::kPermissionDenied;
    case 404:
      return ErrorCode::kNotFound;
    case 429:
      return ErrorCode::kResourceExhausted;
    case 501:
      return ErrorCode::kUnimplemented;
    default:
      return status >= 500 ? ErrorCode::kUnavailable : ErrorCode::kUnknown;
  }
}

// The registry's own explanation ({"errors":[{"code":..,"message":..}]}),
// which never contains credentials; empty when the body is not that.
std::string RegistryErrorDetail(const HttpResponse& response) {
  nlohmann::json doc = nlohmann::json::parse(response.body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return "";
  auto errors = doc.find("errors");
  if (errors == doc.end() || !errors->is_array() || errors->empty()) return "";
  const nlohmann::json& first = (*errors)[0];
  std::string out;
  if (first.contains("code") && first["code"].is_string()) {
    out += first["code"].get<std::string>();
  }
  if (first.contains("message") && first["message"].is_string()) {
    out += (out.empty() ? "" : ": ") + first["message"].get<std::string>();
  }
  return out;
}

std::string MediaTypeOf(const HttpResponse& response, const std::string& body) {
  if (const std::string* type = response.Header("Content-Type")) {
    std::string value = type->substr(0, type->find(';'));
    if (!value.empty() && value != "application/json" &&
        value != "application/octet-stream") {
      return value;
    }
  }
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_object() && doc.contains("mediaType") &&
      doc["mediaType"].is_string()) {
    return doc["mediaType"].get<std::string>();
  }
  return "";
}

}  // namespace

RegistryClient::RegistryClient(HttpTransport& transport, std::string registry,
                               std::string repository,
                               std::optional<Credentials> credentials,
                               ClientOptions options)
    : transport_(transport),
      registry_(std::move(registry)),
      repository_(std::move(repository)),
      credentials_(std::move(credentials)),
      options_(std::move(options)),
      backoff_(options_.jitter ? options_.jitter : SeededRng(RandomSeed()),
               options_.max_backoff.count()) {}

RegistryClient RegistryClient::Fork() const {
  RegistryClient fork(*this);
  fork.stats_ = TransferStats();
  return fork;
}

Status RegistryClient::Preconnect() {
  return transport_.Preconnect(RepoUrl("/"));
}

void RegistryClient::AddStats(const TransferStats& other) {
  stats_.blobs_uploaded += other.blobs_uploaded;
  stats_.blobs_present += other.blobs_present;
  stats_.bytes_uploaded += other.bytes_uploaded;
  stats_.retries += other.retries;
}

Url RegistryClient::RepoUrl(std::string_view suffix) const {
  Result<Url> url = ParseUrl(options_.scheme + "://" + registry_ + "/v2/" +
                             repository_ + std::string(suffix));
  // The registry and repository were validated by ParseReference.
  return url.ok() ? *url : Url{options_.scheme, registry_, 0, "/"};
}

Status RegistryClient::CheckNoDowngrade(const Url& url,
                                        std::string_view what) const {
  if (options_.scheme == "https" && url.scheme != "https") {
    return MakeError(ErrorCode::kFailedPrecondition,
                     registry_ + ": refusing " + std::string(what) + " " +
                         url.ToString() +
                         ": plain http from an https registry");
  }
  return Status::Ok();
}

void RegistryClient::Sleep(std::chrono::milliseconds delay) {
  if (options_.sleep) {
    options_.sleep(delay);
  } else {
    std::this_thread::sleep_for(delay);
  }
}

Result<HttpResponse> RegistryClient::ExchangeWithRetry(
    const std::string& method, const Url& url, const HeaderList& headers,
    std::string_view body) {
  if (Status safe = CheckNoDowngrade(url, "to follow"); !safe.ok()) {
    return safe.error();
  }
  HttpRequest request{method, url, headers, body};
  // Credentials go only to the registry itself, never to a host a Location
  // or redirect points at (a storage backend, for instance).
  if (!authorization_.empty() && url.Authority() == RepoUrl("").Authority()) {
    request.headers.emplace_back("Authorization", authorization_);
  }
  int attempts = 0;
  Result<HttpResponse> response = SendWithRetry(request, &attempts);
  if (!response.ok() && http::IsRetryable(response.error())) {
    Error gave_up = WithContext(response.error(), registry_);
    gave_up.message +=
        " (gave up after " + std::to_string(attempts) + " attempts)";
    return gave_up;
  }
  if (!response.ok()) return WithContext(response.error(), registry_);
  return response;  // the caller reports a final 5xx/429
}

Result<HttpResponse> RegistryClient::SendWithRetry(const HttpRequest& request,
                                                   int* attempts) {
  for (int attempt = 1;; ++attempt) {
    *attempts = attempt;
    Result<HttpResponse> response =
        transport_.Send(request, options_.request_timeout);
    // A permanent failure (https refused, a malformed answer) fails the same
    // way on every attempt, so only transient ones are worth the wait.
    const bool transient = response.ok() ? IsTransientStatus(response->status)
                                         : http::IsRetryable(response.error());
    if (!transient || attempt >= options_.max_attempts) return response;
    std::chrono::milliseconds delay(
        backoff_.DelayMs(options_.initial_backoff.count(), attempt));
    if (response.ok() && response->status == 429) {
      // The registry knows when it will take requests again: wait that long
      // (up to max_backoff) rather than a guess.
      if (const std::string* retry_after = response->Header("Retry-After")) {
        int seconds = 0;
        auto [p, ec] =
            std::from_chars(retry_after->data(),
                            retry_after->data() + retry_after->size(), seconds);
        if (ec == std::errc() && seconds > 0) {
          delay = std::min(std::chrono::milliseconds(seconds * 1000),
                           options_.max_backoff);
        }
      }
    }
    Sleep(delay);
    ++stats_.retries;
  }
}

Result<HttpResponse> RegistryClient::Exchange(const std::string& method,
                                              const Url& url,
                                              HeaderList headers,
                                              std::string_view body) {
  Result<HttpResponse> response = ExchangeWithRetry(method, url, headers, body);
  if (!response.ok() || response->status != 401 ||
      response->Header("WWW-Authenticate") == nullptr) {
    return response;
  }
  // A Bearer token expired or was scoped too narrowly: answer the new
  // challenge once, then report whatever comes back.
  Status answered = AnswerChallenge(*response);
  if (!answered.ok()) return answered.error();
  return ExchangeWithRetry(method, url, headers, body);
}

Error RegistryClient::StatusError(std::string_view what,
                                  const HttpResponse& response) const {
  std::string detail = RegistryErrorDetail(response);
  std::string suffix = detail.empty() ? "" : " [" + detail + "]";
  std::string message;
  switch (response.status) {
    case 401:
      message = registry_ + ": 401 Unauthorized: " +
                (credentials_.has_value()
                     ? "the registry rejected the credentials"
                     : std::string("the registry needs credentials: set ") +
                           kUserEnv + " and " + kPasswordEnv +
                           ", or pass --auth-file") +
                " (" + std::string(what) + ")";
      break;
    case 403:
      message = registry_ + ": 403 Forbidden: the credentials may not " +
                actions_ + " " + repository_ + " (" + std::string(what) + ")";
      break;
    case 404:
      message = registry_ + ": 404 Not Found: " + std::string(what) +
                " does not exist in " + repository_ + suffix;
      break;
    default:
      message = registry_ + ": " + std::string(what) + ": unexpected HTTP " +
                std::to_string(response.status) + suffix;
      break;
  }
  return MakeError(CodeOfStatus(response.status), std::move(message));
}

Status RegistryClient::FetchBearerToken(const std::string& realm,
                                        const std::string& service,
                                        const std::string& scope) {
  Result<Url> url = ParseUrl(realm);
  if (!url.ok()) return WithContext(url.error(), "Bearer challenge: bad realm");
  // The token request carries the password: never in clear text when the
  // registry itself is reached over TLS.
  if (Status safe = CheckNoDowngrade(*url, "the token realm"); !safe.ok()) {
    return safe;
  }
  if (!service.empty())
    url->target = AppendQuery(url->target, "service", service);
  url->target = AppendQuery(url->target, "scope", scope);
  HeaderList headers;
  if (credentials_.has_value()) {
    headers.emplace_back("Authorization",
                         "Basic " + Base64Encode(credentials_->user + ":" +
                                                 credentials_->password));
  }
  HttpRequest request{"GET", *url, headers, {}};
  int attempts = 0;
  Result<HttpResponse> response = SendWithRetry(request, &attempts);
  if (!response.ok()) return WithContext(response.error(), "token service");
  if (response->status != 200) {
    return StatusError("token request to " + url->Authority(), *response);
  }
  nlohmann::json doc = nlohmann::json::parse(response->body, nullptr, false);
  std::string token;
  if (doc.is_object()) {
    for (const char* key : {"token", "access_token"}) {
      if (doc.contains(key) && doc[key].is_string()) {
        token = doc[key].get<std::string>();
        break;
      }
    }
  }
  if (token.empty()) return MakeError("token service answered without a token");
  authorization_ = "Bearer " + token;
  return Status::Ok();
}

Status RegistryClient::AnswerChallenge(const HttpResponse& response) {
  const std::string* header = response.Header("WWW-Authenticate");
  if (header == nullptr) {
    return MakeError(ErrorCode::kUnauthenticated,
                     registry_ + ": 401 Unauthorized without a challenge");
  }
  Result<Challenge> challenge = ParseChallenge(*header);
  if (!challenge.ok()) return WithContext(challenge.error(), registry_);
  if (challenge->scheme == "basic") {
    if (!credentials_.has_value()) return StatusError("login", response);
    authorization_ = "Basic " + Base64Encode(credentials_->user + ":" +
                                             credentials_->password);
    return Status::Ok();
  }
  if (challenge->scheme == "bearer") {
    std::string scope = challenge->Param("scope");
    if (scope.empty()) scope = "repository:" + repository_ + ":" + actions_;
    return FetchBearerToken(challenge->Param("realm"),
                            challenge->Param("service"), scope);
  }
  return MakeError(ErrorCode::kUnimplemented,
                   registry_ + ": unsupported authentication scheme '" +
                       challenge->scheme + "'");
}

Status RegistryClient::Authenticate(std::string_view actions) {
  actions_ = std::string(actions);
  Result<Url> base = ParseUrl(options_.scheme + "://" + registry_ + "/v2/");
  if (!base.ok()) return WithContext(base.error(), "registry address");
  Result<HttpResponse> ping = ExchangeWithRetry("GET", *base, {}, {});
  if (!ping.ok()) return ping.error();
  if (ping->status == 200) return Status::Ok();
  if (ping->status == 400 && options_.scheme == "http" &&
      (ping->body.find("HTTPS") != std::string::npos ||
       ping->body.find("https") != std::string::npos)) {
    // Go's and nginx's TLS listeners answer plain http this way.
    return MakeError(ErrorCode::kFailedPrecondition,
                     registry_ +
                         " speaks https, not plain http (it answered: 400 " +
                         ping->body.substr(0, ping->body.find('\n')) +
                         "): drop --insecure-http");
  }
  if (ping->status != 401) return StatusError("ping /v2/", *ping);
  const std::string* header = ping->Header("WWW-Authenticate");
  Result<Challenge> challenge =
      header ? ParseChallenge(*header) : Result<Challenge>(MakeError("none"));
  if (challenge.ok() && challenge->scheme == "bearer") {
    // /v2/ challenges carry no scope; ask for the repository's right away.
    return FetchBearerToken(challenge->Param("realm"),
                            challenge->Param("service"),
                            "repository:" + repository_ + ":" + actions_);
  }
  Status answered = AnswerChallenge(*ping);
  if (!answered.ok()) return answered;
  // Basic credentials are checked by the registry on every request: check
  // them once here so that a wrong password is one clear line, not a failure
  // in the middle of an upload.
  Result<HttpResponse> check = ExchangeWithRetry("GET", *base, {}, {});
  if (!check.ok()) return check.error();
  if (check->status != 200) return StatusError("login", *check);
  return Status::Ok();
}

Result<bool> RegistryClient::BlobExists(std::string_view digest) {
  Result<HttpResponse> response =
      Exchange("HEAD", RepoUrl("/blobs/" + std::string(digest)), {}, {});
  if (!response.ok()) return response.error();
  if (response->status == 200) {
    ++stats_.blobs_present;
    return true;
  }
  if (response->status == 404) return false;
  return StatusError("HEAD blob " + std::string(digest), *response);
}

Status RegistryClient::UploadBlob(std::string_view digest,
                                  std::string_view bytes) {
  const std::string actual = release::Sha256Digest(bytes);
  if (actual != digest) {
    return MakeError(ErrorCode::kDataLoss,
                     "blob " + std::string(digest) + " has digest " + actual +
                         ": refusing to upload corrupt content");
  }
  const Url start = RepoUrl("/blobs/uploads/");
  Result<HttpResponse> session = Exchange("POST", start, {}, {});
  if (!session.ok()) return session.error();
  if (session->status != 202) {
    return StatusError("start upload of " + std::string(digest), *session);
  }
  const std::string* location = session->Header("Location");
  if (location == nullptr) {
    return MakeError(registry_ + ": upload session without Location header");
  }
  Result<Url> target = ResolveReference(start, *location);
  if (!target.ok()) return WithContext(target.error(), registry_);
  target->target = AppendQuery(target->target, "digest", digest);
  Result<HttpResponse> put = Exchange(
      "PUT", *target, {{"Content-Type", "application/octet-stream"}}, bytes);
  if (!put.ok()) return put.error();
  if (put->status != 201) {
    return StatusError("upload of " + std::string(digest), *put);
  }
  if (const std::string* stored = put->Header("Docker-Content-Digest")) {
    if (*stored != digest) {
      return MakeError(ErrorCode::kDataLoss, registry_ + ": stored blob as " +
                                                 *stored + " but we sent " +
                                                 std::string(digest));
    }
  }
  ++stats_.blobs_uploaded;
  stats_.bytes_uploaded += static_cast<std::int64_t>(bytes.size());
  return Status::Ok();
}

Result<std::string> RegistryClient::PutManifest(std::string_view reference,
                                                std::string_view media_type,
                                                std::string_view bytes) {
  const std::string ours = release::Sha256Digest(bytes);
  Result<HttpResponse> response =
      Exchange("PUT", RepoUrl("/manifests/" + std::string(reference)),
               {{"Content-Type", std::string(media_type)}}, bytes);
  if (!response.ok()) return response.error();
  if (response->status != 201 && response->status != 200) {
    return StatusError("manifest " + std::string(reference), *response);
  }
  const std::string* theirs = response->Header("Docker-Content-Digest");
  if (theirs == nullptr) {
    // The header is optional in the spec; our bytes are what was sent.
    return ours;
  }
  if (*theirs != ours) {
    return MakeError(ErrorCode::kDataLoss,
                     registry_ + ": manifest digest mismatch: registry says " +
                         *theirs + ", our bytes are " + ours);
  }
  return ours;
}

Result<Manifest> RegistryClient::GetManifest(std::string_view reference) {
  const bool by_digest = reference.starts_with("sha256:");
  if (by_digest) {
    if (auto cached = cache_->Find(reference)) {
      return Manifest{std::move(cached->bytes), std::move(cached->media_type),
                      std::string(reference)};
    }
  }
  Result<HttpResponse> response =
      Exchange("GET", RepoUrl("/manifests/" + std::string(reference)),
               {{"Accept", kManifestAccept}}, {});
  if (!response.ok()) return response.error();
  if (response->status != 200) {
    return StatusError("manifest " + std::string(reference), *response);
  }
  Manifest manifest;
  manifest.digest = release::Sha256Digest(response->body);
  if (reference.starts_with("sha256:") && manifest.digest != reference) {
    return MakeError(ErrorCode::kDataLoss,
                     registry_ + ": manifest " + std::string(reference) +
                         " has digest " + manifest.digest);
  }
  if (const std::string* claimed = response->Header("Docker-Content-Digest")) {
    if (*claimed != manifest.digest) {
      return MakeError(ErrorCode::kDataLoss,
                       registry_ + ": manifest " + std::string(reference) +
                           " claims " + *claimed + " but its bytes are " +
                           manifest.digest);
    }
  }
  manifest.media_type = MediaTypeOf(*response, response->body);
  manifest.bytes = std::move(response->body);
  if (by_digest) cache_->Add(reference, manifest.bytes, manifest.media_type);
  return manifest;
}

Result<std::string> RegistryClient::GetBlob(std::string_view digest) {
  if (auto cached = cache_->Find(digest)) return std::move(cached->bytes);
  Url url = RepoUrl("/blobs/" + std::string(digest));
  for (int redirects = 0;; ++redirects) {
    Result<HttpResponse> response = Exchange("GET", url, {}, {});
    if (!response.ok()) return response.error();
    const int status = response->status;
    if ((status == 301 || status == 302 || status == 303 || status == 307 ||
         status == 308) &&
        redirects < 3) {
      const std::string* location = response->Header("Location");
      if (location == nullptr) break;
      Result<Url> next = ResolveReference(url, *location);
      if (!next.ok()) return WithContext(next.error(), registry_);
      url = *next;
      continue;
    }
    if (status != 200)
      return StatusError("blob " + std::string(digest), *response);
    std::string actual = release::Sha256Digest(response->body);
    if (actual != digest) {
      return MakeError(ErrorCode::kDataLoss,
                       registry_ + ": blob " + std::string(digest) +
                           " arrived with digest " + actual);
    }
    cache_->Add(digest, response->body);
    return std::move(response->body);
  }
  return MakeError(registry_ + ": redirect without Location for blob " +
                   std::string(digest));
}

}  // namespace staticship::registry
