#include "release/signing/provenance.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <set>

#include "common/base/file.h"

namespace staticship::signing {
namespace {

std::map<std::string, release::LockedComponent> Lock() {
  auto bytes = ReadWholeFile(std::getenv("DEPS_JSON"));
  EXPECT_TRUE(bytes.ok()) << bytes.message();
  auto locked = release::ParseDepsJson(*bytes);
  EXPECT_TRUE(locked.ok()) << locked.message();
  return *locked;
}

ProvenanceRequest Request() {
  ProvenanceRequest r;
  r.target = "//services/gateway:gateway_image";
  r.flags = {"--config=ubsan", "-c", "opt"};
  r.source_repository = "https://git.example.invalid/staticship.git";
  r.source_ref = "refs/heads/main";
  r.source_commit = "27446c358ed1e6954a03dc3e89f0853fae9b2516";
  r.target_triple = "x86_64-linux-musl";
  r.builder_id = "https://staticship.invalid/builders/ci-pipeline";
  r.invocation_id = "run-42";
  r.started_on = "2026-12-06T23:25:54Z";
  r.finished_on = "2026-12-06T23:27:01.5+01:00";
  return r;
}

TEST(Provenance, ShapeThePolicyReads) {
  const auto locked = Lock();
  auto p = MakeProvenance(Request(), locked);
  ASSERT_TRUE(p.ok()) << p.message();
  const auto& def = (*p)["buildDefinition"];
  EXPECT_EQ(def["buildType"], kBuildType);
  EXPECT_EQ(def["externalParameters"]["target"],
            "//services/gateway:gateway_image");
  EXPECT_EQ(def["externalParameters"]["flags"].size(), 3u);
  EXPECT_EQ(def["externalParameters"]["source"]["repository"],
            "https://git.example.invalid/staticship.git");
  EXPECT_EQ(def["externalParameters"]["source"]["ref"], "refs/heads/main");
  EXPECT_EQ(def["externalParameters"]["source"]["commit"],
            "27446c358ed1e6954a03dc3e89f0853fae9b2516");
  EXPECT_EQ(def["internalParameters"]["toolchain"]["zig"],
            locked.at("zig_sdk").version);
  EXPECT_EQ(def["internalParameters"]["toolchain"]["target"],
            "x86_64-linux-musl");
  EXPECT_EQ((*p)["runDetails"]["builder"]["id"],
            "https://staticship.invalid/builders/ci-pipeline");
  EXPECT_EQ((*p)["runDetails"]["metadata"]["invocationId"], "run-42");
  EXPECT_EQ((*p)["runDetails"]["metadata"]["finishedOn"],
            "2026-12-06T23:27:01.5+01:00");

  const auto& deps = def["resolvedDependencies"];
  ASSERT_EQ(deps.size(), locked.size() + 1);
  EXPECT_EQ(deps[0]["uri"],
            "git+https://git.example.invalid/staticship.git@refs/heads/main");
  EXPECT_EQ(deps[0]["digest"]["gitCommit"],
            "27446c358ed1e6954a03dc3e89f0853fae9b2516");
  std::set<std::string> named;
  for (std::size_t i = 1; i < deps.size(); ++i) {
    const std::string name = deps[i]["name"];
    const release::LockedComponent& c = locked.at(name);
    named.insert(name);
    EXPECT_EQ(deps[i]["uri"], c.purl) << name;
    if (c.sha256.empty()) {
      EXPECT_FALSE(deps[i].contains("digest")) << name;
    } else {
      EXPECT_EQ(deps[i]["digest"]["sha256"], c.sha256) << name;
    }
  }
  EXPECT_EQ(named.size(), locked.size());
}

TEST(Provenance, RejectsBadRequests) {
  const auto locked = Lock();
  auto with = [&](auto change) {
    ProvenanceRequest r = Request();
    change(r);
    return MakeProvenance(r, locked);
  };
  EXPECT_FALSE(with([](auto& r) { r.target = "gateway"; }).ok());
  EXPECT_FALSE(with([](auto& r) { r.source_ref = "main"; }).ok());
  EXPECT_FALSE(with([](auto& r) { r.source_commit = "abc"; }).ok());
  EXPECT_FALSE(with([](auto& r) {
                 r.source_commit = "27446C358ED1E6954A03DC3E89F0853FAE9B2516";
               }).ok());
  EXPECT_FALSE(with([](auto& r) { r.started_on = "yesterday"; }).ok());
  EXPECT_FALSE(
      with([](auto& r) { r.finished_on = "2026-12-06 23:25:54"; }).ok());
  EXPECT_FALSE(with([](auto& r) { r.builder_id.clear(); }).ok());
  EXPECT_FALSE(MakeProvenance(Request(), {}).ok());
  // The repository and the commit go together; a ref needs them.
  EXPECT_FALSE(with([](auto& r) { r.source_commit.clear(); }).ok());
  EXPECT_FALSE(with([](auto& r) { r.source_repository.clear(); }).ok());
  EXPECT_FALSE(with([](auto& r) {
                 r.source_repository.clear();
                 r.source_commit.clear();
               }).ok());
}

TEST(Provenance, WithoutRefOrSource) {
  const auto locked = Lock();
  ProvenanceRequest detached = Request();
  detached.source_ref.clear();
  auto p = MakeProvenance(detached, locked);
  ASSERT_TRUE(p.ok()) << p.message();
  const auto& def = (*p)["buildDefinition"];
  EXPECT_FALSE(def["externalParameters"]["source"].contains("ref"));
  EXPECT_EQ(def["resolvedDependencies"][0]["uri"],
            "git+https://git.example.invalid/staticship.git@"
            "27446c358ed1e6954a03dc3e89f0853fae9b2516");

  ProvenanceRequest outside = Request();
  outside.source_repository.clear();
  outside.source_ref.clear();
  outside.source_commit.clear();
  p = MakeProvenance(outside, locked);
  ASSERT_TRUE(p.ok()) << p.message();
  EXPECT_FALSE(
      (*p)["buildDefinition"]["externalParameters"].contains("source"));
  EXPECT_EQ((*p)["buildDefinition"]["resolvedDependencies"].size(),
            locked.size());
}

TEST(Provenance, Rfc3339) {
  EXPECT_TRUE(IsRfc3339("1970-01-01T00:00:00Z"));
  EXPECT_TRUE(IsRfc3339("2026-12-06T23:25:54.123456-07:00"));
  EXPECT_FALSE(IsRfc3339("2026-12-06T23:25:54"));
  EXPECT_FALSE(IsRfc3339("2026-12-06T23:25:54.Z"));
  EXPECT_FALSE(IsRfc3339("2026-12-06T23:25:54+0100"));
}

}  // namespace
}  // namespace staticship::signing
