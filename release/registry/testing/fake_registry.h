// A small in-memory OCI registry on top of FakeHttpServer, with switches for
// the behaviours real registries differ in (auth scheme, Location form) and
// for the faults a client must survive or report (5xx bursts, lying digest).
#ifndef STATICSHIP_RELEASE_REGISTRY_TESTING_FAKE_REGISTRY_H_
#define STATICSHIP_RELEASE_REGISTRY_TESTING_FAKE_REGISTRY_H_

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "release/registry/testing/fake_http_server.h"

namespace staticship::registry::testing {

enum class AuthMode { kNone, kBasic, kBearer };
enum class LocationMode { kRelative, kAbsolute, kAbsoluteWithQuery };

struct FakeRegistryOptions {
  AuthMode auth = AuthMode::kNone;
  std::string user = "ship";
  std::string password = "s3cret-pw";
  LocationMode location = LocationMode::kRelative;
  int fail_first_requests_with_500 = 0;  // any request, before auth too
  bool lie_about_manifest_digest = false;
  bool forbid_push = false;  // valid credentials, but 403 on writes
};

class FakeRegistry {
 public:
  explicit FakeRegistry(FakeRegistryOptions options);

  std::string authority() const { return server_->authority(); }
  std::vector<FakeRequest> requests() const { return server_->requests(); }

  bool HasBlob(const std::string& digest) const;
  void PutBlob(const std::string& digest, std::string bytes);
  void PutManifest(const std::string& reference, std::string media_type,
                   std::string bytes);
  // bytes of a stored manifest (by tag or digest), "" if absent
  std::string ManifestBytes(const std::string& reference) const;
  std::string ManifestMediaType(const std::string& reference) const;
  int CountRequests(const std::string& method,
                    const std::string& path_part) const;

 private:
  FakeResponse Handle(const FakeRequest& request);
  bool Authorized(const FakeRequest& request) const;
  FakeResponse Challenge() const;

  FakeRegistryOptions options_;
  mutable std::mutex mutex_;
  int requests_seen_ = 0;
  int next_upload_ = 0;
  std::map<std::string, std::string> blobs_;
  std::map<std::string, std::pair<std::string, std::string>> manifests_;
  std::unique_ptr<FakeHttpServer> server_;
};

}  // namespace staticship::registry::testing

#endif  // STATICSHIP_RELEASE_REGISTRY_TESTING_FAKE_REGISTRY_H_
