#include "release/registry/registry_client.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>
#include <vector>

#include "common/testing/ports.h"
#include "release/common/sha256.h"
#include "release/registry/testing/fake_registry.h"

namespace staticship::registry {
namespace {

using testing::AuthMode;
using testing::FakeRegistry;
using testing::FakeRegistryOptions;
using testing::LocationMode;

class RegistryClientTest : public ::testing::Test {
 protected:
  RegistryClient MakeClient(const FakeRegistry& registry,
                            std::optional<Credentials> creds) {
    ClientOptions options;
    options.scheme = "http";  // the fake registry
    options.max_attempts = 3;
    options.request_timeout = std::chrono::milliseconds(5000);
    options.sleep = [this](std::chrono::milliseconds d) {
      sleeps_.push_back(d);
    };
    return RegistryClient(transport_, registry.authority(), "team/app",
                          std::move(creds), options);
  }

  SocketTransport transport_;
  std::vector<std::chrono::milliseconds> sleeps_;
};

const Credentials kGood{"ship", "s3cret-pw"};

TEST_F(RegistryClientTest, UploadsWithRelativeLocationAndSkipsPresentBlob) {
  FakeRegistry registry({});
  RegistryClient client = MakeClient(registry, std::nullopt);
  ASSERT_TRUE(client.Authenticate("pull,push").ok());
  const std::string blob = "layer bytes";
  const std::string digest = release::Sha256Digest(blob);
  Result<bool> before = client.BlobExists(digest);
  ASSERT_TRUE(before.ok()) << before.message();
  EXPECT_FALSE(*before);
  Status uploaded = client.UploadBlob(digest, blob);
  ASSERT_TRUE(uploaded.ok()) << uploaded.message();
  EXPECT_TRUE(registry.HasBlob(digest));
  Result<bool> after = client.BlobExists(digest);
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(*after);
  EXPECT_EQ(client.stats().blobs_uploaded, 1);
  EXPECT_EQ(client.stats().bytes_uploaded, static_cast<int64_t>(blob.size()));
  // The PUT went to the relative Location, its _state query kept.
  bool found_put = false;
  for (const auto& r : registry.requests()) {
    if (r.method == "PUT") {
      found_put = true;
      EXPECT_EQ(
          r.target.rfind(
              "/v2/team/app/blobs/uploads/1?_state=st1&digest=" + digest, 0),
          0u)
          << r.target;
      EXPECT_EQ(r.Header("Content-Type"), "application/octet-stream");
    }
  }
  EXPECT_TRUE(found_put);
}

TEST_F(RegistryClientTest, AbsoluteLocationKeepsItsQuery) {
  FakeRegistryOptions options;
  options.location = LocationMode::kAbsoluteWithQuery;
  FakeRegistry registry(options);
  RegistryClient client = MakeClient(registry, std::nullopt);
  ASSERT_TRUE(client.Authenticate("pull,push").ok());
  const std::string digest = release::Sha256Digest("abc");
  ASSERT_TRUE(client.UploadBlob(digest, "abc").ok());
  bool found = false;
  for (const auto& r : registry.requests()) {
    if (r.method == "PUT") {
      found = true;
      EXPECT_EQ(
          r.target,
          "/v2/team/app/blobs/uploads/1?_state=abc%3D&x=1&digest=" + digest);
    }
  }
  EXPECT_TRUE(found);
}

TEST_F(RegistryClientTest, AbsoluteLocationWithoutQuery) {
  FakeRegistryOptions options;
  options.location = LocationMode::kAbsolute;
  FakeRegistry registry(options);
  RegistryClient client = MakeClient(registry, std::nullopt);
  ASSERT_TRUE(client.Authenticate("pull,push").ok());
  const std::string digest = release::Sha256Digest("xyz");
  ASSERT_TRUE(client.UploadBlob(digest, "xyz").ok());
  EXPECT_TRUE(registry.HasBlob(digest));
  EXPECT_EQ(registry.CountRequests("PUT", "/blobs/uploads/1"), 1);
}

TEST_F(RegistryClientTest, AnswersBasicChallenge) {
  FakeRegistryOptions options;
  options.auth = AuthMode::kBasic;
  FakeRegistry registry(options);
  RegistryClient client = MakeClient(registry, kGood);
  Status s = client.Authenticate("pull,push");
  ASSERT_TRUE(s.ok()) << s.message();
  const std::string digest = release::Sha256Digest("b");
  ASSERT_TRUE(client.UploadBlob(digest, "b").ok());
  EXPECT_TRUE(registry.HasBlob(digest));
  auto requests = registry.requests();
  ASSERT_GE(requests.size(), 2u);
  EXPECT_EQ(requests[0].Header("Authorization"), "");  // the ping is anonymous
  EXPECT_EQ(requests.back().Header("Authorization").rfind("Basic ", 0), 0u);
}

TEST_F(RegistryClientTest, WrongPasswordIsOneClearLineWithoutThePassword) {
  FakeRegistryOptions options;
  options.auth = AuthMode::kBasic;
  FakeRegistry registry(options);
  RegistryClient client =
      MakeClient(registry, Credentials{"ship", "wrong-pw-XYZ"});
  Status s = client.Authenticate("pull,push");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find(
                "401 Unauthorized: the registry rejected the credentials"),
            std::string::npos)
      << s.message();
  EXPECT_EQ(s.message().find("wrong-pw-XYZ"), std::string::npos);
  EXPECT_EQ(s.message().find('\n'), std::string::npos);
  EXPECT_EQ(s.code(), ErrorCode::kUnauthenticated);
  EXPECT_TRUE(sleeps_.empty()) << "401 is not transient";
}

TEST_F(RegistryClientTest, MissingCredentialsSaysWhereToPutThem) {
  FakeRegistryOptions options;
  options.auth = AuthMode::kBasic;
  FakeRegistry registry(options);
  RegistryClient client = MakeClient(registry, std::nullopt);
  Status s = client.Authenticate("pull,push");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("401 Unauthorized"), std::string::npos);
  EXPECT_NE(s.message().find("STATICSHIP_REGISTRY_USER"), std::string::npos);
}

TEST_F(RegistryClientTest, FollowsBearerTokenFlow) {
  FakeRegistryOptions options;
  options.auth = AuthMode::kBearer;
  FakeRegistry registry(options);
  RegistryClient client = MakeClient(registry, kGood);
  Status s = client.Authenticate("pull,push");
  ASSERT_TRUE(s.ok()) << s.message();
  const std::string digest = release::Sha256Digest("c");
  ASSERT_TRUE(client.UploadBlob(digest, "c").ok());
  bool token_requested = false;
  for (const auto& r : registry.requests()) {
    if (r.Path() == "/token") {
      token_requested = true;
      EXPECT_NE(r.Query().find("scope=repository:team%2Fapp:pull%2Cpush"),
                std::string::npos)
          << r.Query();
      EXPECT_EQ(r.Header("Authorization").rfind("Basic ", 0), 0u);
    }
    if (r.method == "PUT") {
      EXPECT_EQ(r.Header("Authorization"), "Bearer fake-token-123");
    }
  }
  EXPECT_TRUE(token_requested);
}

TEST_F(RegistryClientTest, ForkUploadsOnItsOwnThreadWithTheSameToken) {
  FakeRegistryOptions options;
  options.auth = AuthMode::kBearer;
  FakeRegistry registry(options);
  RegistryClient client = MakeClient(registry, kGood);
  ASSERT_TRUE(client.Authenticate("pull,push").ok());
  const std::string first = release::Sha256Digest("first");
  ASSERT_TRUE(client.UploadBlob(first, "first").ok());

  RegistryClient fork = client.Fork();
  EXPECT_EQ(fork.stats().blobs_uploaded, 0);
  const std::string second = release::Sha256Digest("second");
  Status forked = MakeError("not run");
  std::thread writer([&] { forked = fork.UploadBlob(second, "second"); });
  const std::string third = release::Sha256Digest("third");
  Status own = client.UploadBlob(third, "third");
  writer.join();
  ASSERT_TRUE(forked.ok()) << forked.message();
  ASSERT_TRUE(own.ok()) << own.message();
  for (const std::string& d : {first, second, third}) {
    EXPECT_TRUE(registry.HasBlob(d)) << d;
  }
  // The fork asked for no token of its own.
  EXPECT_EQ(registry.CountRequests("GET", "/token"), 1);
  client.AddStats(fork.stats());
  EXPECT_EQ(client.stats().blobs_uploaded, 3);
  EXPECT_EQ(client.stats().bytes_uploaded, 16);
}

TEST_F(RegistryClientTest, BearerWithWrongPasswordFailsClearly) {
  FakeRegistryOptions options;
  options.auth = AuthMode::kBearer;
  FakeRegistry registry(options);
  RegistryClient client =
      MakeClient(registry, Credentials{"ship", "nope-pw-Q"});
  Status s = client.Authenticate("pull");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("401 Unauthorized"), std::string::npos)
      << s.message();
  EXPECT_EQ(s.message().find("nope-pw-Q"), std::string::npos);
  EXPECT_EQ(s.code(), ErrorCode::kUnauthenticated);
}

TEST_F(RegistryClientTest, ForbiddenPushIsOneClearLine) {
  FakeRegistryOptions options;
  options.auth = AuthMode::kBasic;
  options.forbid_push = true;
  FakeRegistry registry(options);
  RegistryClient client = MakeClient(registry, kGood);
  ASSERT_TRUE(client.Authenticate("pull,push").ok());
  Status s = client.UploadBlob(release::Sha256Digest("d"), "d");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find(
                "403 Forbidden: the credentials may not pull,push team/app"),
            std::string::npos)
      << s.message();
  EXPECT_EQ(s.code(), ErrorCode::kPermissionDenied);
}

TEST_F(RegistryClientTest, UnknownManifestIs404Line) {
  FakeRegistry registry({});
  RegistryClient client = MakeClient(registry, std::nullopt);
  ASSERT_TRUE(client.Authenticate("pull").ok());
  Result<Manifest> m = client.GetManifest("v9");
  ASSERT_FALSE(m.ok());
  EXPECT_NE(
      m.message().find("404 Not Found: manifest v9 does not exist in team/app"),
      std::string::npos)
      << m.message();
  EXPECT_EQ(m.code(), ErrorCode::kNotFound);
}

TEST_F(RegistryClientTest, Retries500ThenSucceedsWithBackoff) {
  FakeRegistryOptions options;
  options.fail_first_requests_with_500 = 2;
  FakeRegistry registry(options);
  RegistryClient client = MakeClient(registry, std::nullopt);
  Status s = client.Authenticate("pull,push");
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(sleeps_.size(), 2u);
  // Full jitter: each delay lies under the doubling ceiling.
  EXPECT_LE(sleeps_[0], std::chrono::milliseconds(100));
  EXPECT_LE(sleeps_[1], std::chrono::milliseconds(200));
  EXPECT_EQ(client.stats().retries, 2);
}

TEST_F(RegistryClientTest, BackoffDelaysComeFromTheInjectedJitter) {
  std::vector<std::chrono::milliseconds> runs[2];
  for (auto& run : runs) {
    FakeRegistryOptions registry_options;
    registry_options.fail_first_requests_with_500 = 100;
    FakeRegistry registry(registry_options);
    ClientOptions options;
    options.scheme = "http";  // the fake registry
    options.max_attempts = 6;
    options.sleep = [&run](std::chrono::milliseconds d) { run.push_back(d); };
    options.jitter = SeededRng(42);
    RegistryClient client(transport_, registry.authority(), "team/app",
                          std::nullopt, options);
    ASSERT_FALSE(client.Authenticate("pull").ok());
  }
  ASSERT_EQ(runs[0].size(), 5u);
  EXPECT_EQ(runs[0], runs[1]) << "one seed, one sequence of delays";
  // Not the bare doubling sequence (100, 200, 400, 800, 1600) it replaced.
  const std::vector<std::chrono::milliseconds> doubling = {
      std::chrono::milliseconds(100), std::chrono::milliseconds(200),
      std::chrono::milliseconds(400), std::chrono::milliseconds(800),
      std::chrono::milliseconds(1600)};
  EXPECT_NE(runs[0], doubling);
}

// Answers with scripted outcomes and counts the requests.
class ScriptedTransport : public HttpTransport {
 public:
  explicit ScriptedTransport(std::vector<Result<HttpResponse>> outcomes)
      : outcomes_(std::move(outcomes)) {}

  Result<HttpResponse> Send(const HttpRequest&,
                            std::chrono::milliseconds) override {
    size_t i = std::min(sends_, outcomes_.size() - 1);
    ++sends_;
    return outcomes_[i];
  }
  size_t sends() const { return sends_; }

 private:
  std::vector<Result<HttpResponse>> outcomes_;
  size_t sends_ = 0;
};

HttpResponse Ok200() {
  HttpResponse response;
  response.status = 200;
  return response;
}

TEST_F(RegistryClientTest, PermanentTransportErrorIsNotRetried) {
  ScriptedTransport transport(
      {MakeError(ErrorCode::kUnauthenticated,
                 "[tls] certificate for registry.test expired 2021-01-01")});
  ClientOptions options;
  options.scheme = "http";  // the fake registry
  options.max_attempts = 5;
  options.sleep = [this](std::chrono::milliseconds d) { sleeps_.push_back(d); };
  RegistryClient client(transport, "registry.test:5000", "team/app",
                        std::nullopt, options);
  Status s = client.Authenticate("pull");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kUnauthenticated) << s.message();
  EXPECT_EQ(transport.sends(), 1u);
  EXPECT_TRUE(sleeps_.empty());
  EXPECT_EQ(client.stats().retries, 0);
  EXPECT_EQ(s.message().find("gave up"), std::string::npos) << s.message();
}

TEST_F(RegistryClientTest, TransientTransportErrorIsRetried) {
  ScriptedTransport transport(
      {MakeError(ErrorCode::kUnavailable, "[reset] connection reset"),
       MakeError(ErrorCode::kDeadlineExceeded, "[timeout] no answer"),
       Ok200()});
  ClientOptions options;
  options.scheme = "http";  // the fake registry
  options.max_attempts = 5;
  options.sleep = [this](std::chrono::milliseconds d) { sleeps_.push_back(d); };
  RegistryClient client(transport, "registry.test:5000", "team/app",
                        std::nullopt, options);
  Status s = client.Authenticate("pull");
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(transport.sends(), 3u);
  EXPECT_EQ(sleeps_.size(), 2u);
  EXPECT_EQ(client.stats().retries, 2);
}

TEST_F(RegistryClientTest, GivesUpOnPersistent500AfterBoundedAttempts) {
  FakeRegistryOptions options;
  options.fail_first_requests_with_500 = 100;
  FakeRegistry registry(options);
  RegistryClient client = MakeClient(registry, std::nullopt);
  Status s = client.Authenticate("pull,push");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("unexpected HTTP 500"), std::string::npos)
      << s.message();
  EXPECT_EQ(s.code(), ErrorCode::kUnavailable);
  EXPECT_EQ(registry.requests().size(), 3u);
  EXPECT_EQ(sleeps_.size(), 2u);
}

TEST_F(RegistryClientTest, RetriesRefusedConnectionThenGivesUp) {
  ClientOptions options;
  options.scheme = "http";  // the fake registry
  options.max_attempts = 4;
  options.sleep = [this](std::chrono::milliseconds d) { sleeps_.push_back(d); };
  RegistryClient client(
      transport_,
      "127.0.0.1:" + std::to_string(staticship::testing::DeadPort()),
      "team/app", std::nullopt, options);
  Status s = client.Authenticate("pull");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("gave up after 4 attempts"), std::string::npos)
      << s.message();
  // The registry name and attempt count around the message keep the
  // transport's code.
  EXPECT_EQ(s.code(), ErrorCode::kUnavailable) << s.message();
  EXPECT_EQ(sleeps_.size(), 3u);
}

TEST_F(RegistryClientTest, ManifestDigestMismatchIsAnError) {
  FakeRegistryOptions options;
  options.lie_about_manifest_digest = true;
  FakeRegistry registry(options);
  RegistryClient client = MakeClient(registry, std::nullopt);
  ASSERT_TRUE(client.Authenticate("pull,push").ok());
  Result<std::string> d =
      client.PutManifest("v1", "application/vnd.oci.image.manifest.v1+json",
                         R"({"schemaVersion":2})");
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.message().find("manifest digest mismatch"), std::string::npos)
      << d.message();
  EXPECT_EQ(d.code(), ErrorCode::kDataLoss);
}

TEST_F(RegistryClientTest, PutsManifestWithMediaTypeAndReadsItBack) {
  FakeRegistry registry({});
  RegistryClient client = MakeClient(registry, std::nullopt);
  ASSERT_TRUE(client.Authenticate("pull,push").ok());
  const std::string bytes =
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]})";
  Result<std::string> d = client.PutManifest(
      "v1", "application/vnd.oci.image.index.v1+json", bytes);
  ASSERT_TRUE(d.ok()) << d.message();
  EXPECT_EQ(*d, release::Sha256Digest(bytes));
  EXPECT_EQ(registry.ManifestMediaType("v1"),
            "application/vnd.oci.image.index.v1+json");
  Result<Manifest> back = client.GetManifest(*d);
  ASSERT_TRUE(back.ok()) << back.message();
  EXPECT_EQ(back->bytes, bytes);
  EXPECT_EQ(back->media_type, "application/vnd.oci.image.index.v1+json");
}

TEST_F(RegistryClientTest, RejectsBlobWhoseBytesDoNotMatchItsDigest) {
  FakeRegistry registry({});
  const std::string claimed = release::Sha256Digest("original");
  registry.PutBlob(claimed, "tampered");
  RegistryClient client = MakeClient(registry, std::nullopt);
  ASSERT_TRUE(client.Authenticate("pull").ok());
  Result<std::string> blob = client.GetBlob(claimed);
  ASSERT_FALSE(blob.ok());
  EXPECT_NE(blob.message().find("arrived with digest"), std::string::npos);
  Result<std::string> good = client.GetBlob(claimed);
  EXPECT_FALSE(good.ok());
}

TEST_F(RegistryClientTest, RefusesToUploadBytesThatDoNotMatch) {
  FakeRegistry registry({});
  RegistryClient client = MakeClient(registry, std::nullopt);
  ASSERT_TRUE(client.Authenticate("pull,push").ok());
  Status s = client.UploadBlob(release::Sha256Digest("a"), "b");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(registry.CountRequests("POST", "/blobs/uploads/"), 0);
}

}  // namespace
}  // namespace staticship::registry
