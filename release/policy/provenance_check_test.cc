#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "release/policy/policy.h"

namespace staticship::policy {
namespace {

using nlohmann::json;

json Predicate(json source) {
  return {{"buildDefinition",
           {{"buildType", "https://staticship.invalid/build/v1"},
            {"externalParameters", {{"source", source}}}}},
          {"runDetails", {{"builder", {{"id", "ci"}}}}}};
}

Policy SourcePolicy() {
  Policy policy;
  policy.source = SourceRule{"https://example.org/staticship.git", "main"};
  return policy;
}

std::vector<std::string> Details(const std::vector<Violation>& violations) {
  std::vector<std::string> out;
  for (const Violation& v : violations) {
    EXPECT_EQ(v.rule, "source");
    EXPECT_EQ(v.subject, "https://slsa.dev/provenance/v1");
    out.push_back(v.detail);
  }
  return out;
}

TEST(ProvenanceRuleTest, MatchingSourcePasses) {
  for (const char* repository :
       {"https://example.org/staticship.git", "https://example.org/staticship",
        "https://example.org/staticship/",
        "https://example.org/staticship.git/"}) {
    for (const char* ref : {"refs/heads/main", "main"}) {
      EXPECT_TRUE(
          CheckProvenance(SourcePolicy(),
                          Predicate({{"repository", repository}, {"ref", ref}}))
              .empty())
          << repository << " " << ref;
    }
  }
}

TEST(ProvenanceRuleTest, WrongSourceFails) {
  EXPECT_EQ(Details(CheckProvenance(
                SourcePolicy(),
                Predicate({{"repository", "https://evil.example/staticship"},
                           {"ref", "refs/heads/dev"}}))),
            (std::vector<std::string>{
                "built from repository https://evil.example/staticship, "
                "policy requires https://example.org/staticship.git",
                "built from ref refs/heads/dev, policy requires branch main "
                "(refs/heads/main)"}));
  // A tag named main is not the branch.
  EXPECT_EQ(CheckProvenance(
                SourcePolicy(),
                Predicate({{"repository", "https://example.org/staticship"},
                           {"ref", "refs/tags/main"}}))
                .size(),
            1u);
}

TEST(ProvenanceRuleTest, MissingFieldsAreNamed) {
  EXPECT_EQ(Details(CheckProvenance(
                SourcePolicy(),
                Predicate({{"repository", "https://example.org/staticship"}}))),
            (std::vector<std::string>{
                "buildDefinition.externalParameters.source.ref is missing"}));
  EXPECT_EQ(Details(CheckProvenance(SourcePolicy(), json::object())),
            (std::vector<std::string>{
                "buildDefinition.externalParameters.source.repository is "
                "missing",
                "buildDefinition.externalParameters.source.ref is missing"}));
  EXPECT_EQ(
      Details(CheckProvenance(SourcePolicy(),
                              Predicate({{"repository", 7}, {"ref", "main"}}))),
      (std::vector<std::string>{
          "buildDefinition.externalParameters.source.repository is not "
          "a string"}));
}

TEST(ProvenanceRuleTest, NoSourceRuleNoViolations) {
  EXPECT_TRUE(CheckProvenance(Policy{}, json::object()).empty());
}

}  // namespace
}  // namespace staticship::policy
