#include "release/registry/testing/fake_registry.h"

#include "common/base/base64.h"
#include "release/common/sha256.h"

namespace staticship::registry::testing {
namespace {
constexpr char kToken[] = "fake-token-123";
}  // namespace

FakeRegistry::FakeRegistry(FakeRegistryOptions options)
    : options_(std::move(options)) {
  server_ = std::make_unique<FakeHttpServer>(
      [this](const FakeRequest& request) { return Handle(request); });
}

bool FakeRegistry::HasBlob(const std::string& digest) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return blobs_.count(digest) > 0;
}

void FakeRegistry::PutBlob(const std::string& digest, std::string bytes) {
  std::lock_guard<std::mutex> lock(mutex_);
  blobs_[digest] = std::move(bytes);
}

void FakeRegistry::PutManifest(const std::string& reference,
                               std::string media_type, std::string bytes) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::string digest = release::Sha256Digest(bytes);
  manifests_[reference] = {media_type, bytes};
  manifests_[digest] = {std::move(media_type), std::move(bytes)};
}

std::string FakeRegistry::ManifestBytes(const std::string& reference) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = manifests_.find(reference);
  return it == manifests_.end() ? "" : it->second.second;
}

std::string FakeRegistry::ManifestMediaType(
    const std::string& reference) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = manifests_.find(reference);
  return it == manifests_.end() ? "" : it->second.first;
}

int FakeRegistry::CountRequests(const std::string& method,
                                const std::string& path_part) const {
  int count = 0;
  for (const FakeRequest& r : server_->requests()) {
    if (r.method == method && r.Path().find(path_part) != std::string::npos) {
      ++count;
    }
  }
  return count;
}

bool FakeRegistry::Authorized(const FakeRequest& request) const {
  const std::string auth = request.Header("Authorization");
  switch (options_.auth) {
    case AuthMode::kNone:
      return true;
    case AuthMode::kBasic:
      return auth ==
             "Basic " + Base64Encode(options_.user + ":" + options_.password);
    case AuthMode::kBearer:
      return auth == std::string("Bearer ") + kToken;
  }
  return false;
}

FakeResponse FakeRegistry::Challenge() const {
  FakeResponse response{
      401,
      {},
      R"({"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]})"};
  if (options_.auth == AuthMode::kBasic) {
    response.headers.emplace_back("WWW-Authenticate",
                                  "Basic realm=\"basic-realm\"");
  } else {
    response.headers.emplace_back("WWW-Authenticate",
                                  "Bearer realm=\"http://" + authority() +
                                      "/token\",service=\"fake-registry\"");
  }
  return response;
}

FakeResponse FakeRegistry::Handle(const FakeRequest& request) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (requests_seen_++ < options_.fail_first_requests_with_500) {
    return {500, {}, "boom"};
  }
  const std::string path = request.Path();
  if (path == "/token") {
    const std::string expected =
        "Basic " + Base64Encode(options_.user + ":" + options_.password);
    if (request.Header("Authorization") != expected ||
        request.Query().find("service=fake-registry") == std::string::npos ||
        request.Query().find("scope=repository") == std::string::npos) {
      return {401, {}, R"({"errors":[{"code":"UNAUTHORIZED"}]})"};
    }
    return {200,
            {{"Content-Type", "application/json"}},
            std::string(R"({"token":")") + kToken + "\"}"};
  }
  if (!Authorized(request)) return Challenge();
  if (path == "/v2/") return {200, {}, "{}"};
  const bool write = request.method == "POST" || request.method == "PUT";
  if (write && options_.forbid_push) {
    return {
        403,
        {},
        R"({"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]})"};
  }
  size_t blobs = path.find("/blobs/");
  size_t manifests = path.find("/manifests/");
  if (blobs != std::string::npos) {
    std::string rest = path.substr(blobs + 7);
    if (rest.starts_with("uploads/")) {
      std::string id = std::to_string(++next_upload_);
      std::string repo_path = path.substr(0, blobs);
      if (request.method == "POST") {
        std::string location;
        switch (options_.location) {
          case LocationMode::kRelative:
            location = repo_path + "/blobs/uploads/" + id + "?_state=st" + id;
            break;
          case LocationMode::kAbsolute:
            location =
                "http://" + authority() + repo_path + "/blobs/uploads/" + id;
            break;
          case LocationMode::kAbsoluteWithQuery:
            location = "http://" + authority() + repo_path + "/blobs/uploads/" +
                       id + "?_state=abc%3D&x=1";
            break;
        }
        return {202, {{"Location", location}, {"Docker-Upload-UUID", id}}, ""};
      }
      if (request.method == "PUT") {
        std::string query = request.Query();
        size_t d = query.find("digest=");
        if (d == std::string::npos) return {400, {}, "no digest"};
        std::string digest = query.substr(d + 7);
        digest = digest.substr(0, digest.find('&'));
        size_t pct = digest.find("%3A");
        if (pct != std::string::npos) digest.replace(pct, 3, ":");
        if (release::Sha256Digest(request.body) != digest) {
          return {400, {}, R"({"errors":[{"code":"DIGEST_INVALID"}]})"};
        }
        blobs_[digest] = request.body;
        return {
            201, {{"Docker-Content-Digest", digest}, {"Location", path}}, ""};
      }
    }
    auto it = blobs_.find(rest);
    if (it == blobs_.end()) {
      return {
          404,
          {},
          R"({"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]})"};
    }
    return {200, {{"Docker-Content-Digest", rest}}, it->second};
  }
  if (manifests != std::string::npos) {
    std::string reference = path.substr(manifests + 11);
    if (request.method == "PUT") {
      std::string digest = release::Sha256Digest(request.body);
      manifests_[reference] = {request.Header("Content-Type"), request.body};
      manifests_[digest] = {request.Header("Content-Type"), request.body};
      std::string reported = options_.lie_about_manifest_digest
                                 ? release::Sha256Digest("something else")
                                 : digest;
      return {201, {{"Docker-Content-Digest", reported}}, ""};
    }
    auto it = manifests_.find(reference);
    if (it == manifests_.end()) {
      return {
          404,
          {},
          R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]})"};
    }
    return {
        200,
        {{"Content-Type", it->second.first},
         {"Docker-Content-Digest", release::Sha256Digest(it->second.second)}},
        it->second.second};
  }
  return {404, {}, "not found"};
}

}  // namespace staticship::registry::testing
