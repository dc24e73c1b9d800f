#include <gtest/gtest.h>

#include "common/base/file.h"
#include "common/testing/temp_dir.h"
#include "release/policy/policy.h"

namespace staticship::policy {
namespace {

namespace fs = std::filesystem;

class PolicyFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(MakeDirs(dir_.path() + "/keys").ok());
    ASSERT_TRUE(WriteFileAtomically(key_, "-----BEGIN PUBLIC KEY-----\n").ok());
  }

  // Writes `yaml` as policy.yaml in the temporary directory and loads it.
  Result<Policy> Load(const std::string& yaml) {
    const std::string file = dir_.path() + "/policy.yaml";
    EXPECT_TRUE(WriteFileAtomically(file, yaml).ok());
    return LoadPolicy(file);
  }

  // The error LoadPolicy gives for `yaml`, with the directory cut off.
  std::string Error(const std::string& yaml) {
    auto policy = Load(yaml);
    EXPECT_FALSE(policy.ok()) << yaml;
    if (policy.ok()) return "";
    std::string message = policy.message();
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    const std::string prefix = dir_.path() + "/";
    for (size_t at; (at = message.find(prefix)) != std::string::npos;) {
      message.erase(at, prefix.size());
    }
    return message;
  }

  testing::TempDir dir_;
  const std::string key_ = dir_.path() + "/keys/release.pub";
};

TEST_F(PolicyFileTest, FullPolicy) {
  const std::string feed = fs::absolute("release/policy/testdata/osv");
  auto policy = Load(
      "trusted_keys: [keys/release.pub]\n"
      "required_attestations: [slsaprovenance, spdx, "
      "https://example.org/custom/v1, spdxjson]\n"
      "licenses: { allow: [MIT, Apache-2.0, Zlib], deny: [GPL-3.0-only] }\n"
      "source: { repository: https://example.org/staticship.git, branch: "
      "main }\n"
      "vulnerabilities:\n"
      "  feed: " +
      feed +
      "\n"
      "  severity_threshold: HIGH\n"
      "  unknown_severity: ignore\n");
  ASSERT_TRUE(policy.ok()) << policy.message();
  // Relative key paths are resolved against the policy file's directory.
  ASSERT_EQ(policy->trusted_keys.size(), 1u);
  EXPECT_EQ(policy->trusted_keys[0], fs::path(key_));
  EXPECT_EQ(policy->required_attestations,
            (std::vector<std::string>{"https://slsa.dev/provenance/v1",
                                      "https://spdx.dev/Document",
                                      "https://example.org/custom/v1"}));
  ASSERT_TRUE(policy->licenses.has_value());
  ASSERT_TRUE(policy->licenses->allow.has_value());
  EXPECT_EQ(policy->licenses->allow->size(), 3u);
  EXPECT_EQ(policy->licenses->deny, (std::vector<std::string>{"GPL-3.0-only"}));
  ASSERT_TRUE(policy->source.has_value());
  EXPECT_EQ(policy->source->repository, "https://example.org/staticship.git");
  EXPECT_EQ(policy->source->branch, "main");
  ASSERT_TRUE(policy->vulnerabilities.has_value());
  EXPECT_EQ(policy->vulnerabilities->threshold, Severity::kHigh);
  EXPECT_FALSE(policy->vulnerabilities->refuse_unknown_severity);
  EXPECT_EQ(policy->vulnerabilities->records.size(), 4u);
}

TEST_F(PolicyFileTest, MinimalPolicyAndDefaults) {
  auto policy = Load("trusted_keys: [" + key_ + "]\n");
  ASSERT_TRUE(policy.ok()) << policy.message();
  EXPECT_EQ(policy->trusted_keys[0], fs::path(key_));
  EXPECT_TRUE(policy->required_attestations.empty());
  EXPECT_FALSE(policy->licenses.has_value());
  EXPECT_FALSE(policy->source.has_value());
  EXPECT_FALSE(policy->vulnerabilities.has_value());
  policy = Load(
      "trusted_keys: [keys/release.pub]\n"
      "vulnerabilities: {feed: " +
      fs::absolute("release/policy/testdata/osv").string() +
      ", severity_threshold: low}\n");
  ASSERT_TRUE(policy.ok()) << policy.message();
  EXPECT_EQ(policy->vulnerabilities->threshold, Severity::kLow);
  EXPECT_TRUE(policy->vulnerabilities->refuse_unknown_severity);
}

// What ci/pipeline does: default.yaml's text plus a line naming its key by
// absolute path.
TEST_F(PolicyFileTest, DefaultPolicyWithAKeyAppended) {
  auto text = ReadWholeFile("release/policy/default.yaml");
  ASSERT_TRUE(text.ok()) << text.message();
  // Without a key it is refused, in one line naming the field.
  EXPECT_EQ(Error(*text),
            "policy.yaml: trusted_keys: is missing; a policy must name the "
            "keys its images are signed with");
  auto policy = Load(*text + "trusted_keys: [" + key_ + "]\n");
  ASSERT_TRUE(policy.ok()) << policy.message();
  EXPECT_EQ(policy->trusted_keys, (std::vector<fs::path>{key_}));
  EXPECT_EQ(policy->required_attestations,
            (std::vector<std::string>{"https://slsa.dev/provenance/v1",
                                      "https://spdx.dev/Document"}));
  ASSERT_TRUE(policy->licenses.has_value());
  EXPECT_TRUE(policy->licenses->allow.has_value());
  EXPECT_EQ(policy->licenses->deny,
            (std::vector<std::string>{"GPL-3.0-only", "AGPL-3.0-only"}));
  EXPECT_FALSE(policy->source.has_value());
  EXPECT_FALSE(policy->vulnerabilities.has_value());
}

TEST_F(PolicyFileTest, BadPoliciesAreOneLineNamingTheField) {
  const std::string key = "trusted_keys: [keys/release.pub]\n";
  const std::pair<std::string, std::string> cases[] = {
      {"", "policy.yaml: empty policy; trusted_keys is required"},
      {"trusted_keys: []\n",
       "policy.yaml:1: trusted_keys: must name at least one key"},
      {"trusted_keys: keys/release.pub\n",
       "policy.yaml:1: trusted_keys: must be a list"},
      {"trusted_keys: [keys/missing.pub]\n",
       "policy.yaml:1: trusted_keys[0]: keys/missing.pub does not exist"},
      {"trusted_keys: [keys]\n",
       "policy.yaml:1: trusted_keys[0]: keys is not a file"},
      {key + "licences: {deny: [GPL-3.0-only]}\n",
       "policy.yaml:2: licences: unknown field (known: licenses, "
       "required_attestations, source, trusted_keys, vulnerabilities)"},
      {key + "trusted_keys: [keys/release.pub]\n",
       "policy.yaml:2: trusted_keys: given twice"},
      {key + "required_attestations: [slsa]\n",
       "policy.yaml:2: required_attestations[0]: 'slsa' is neither "
       "slsaprovenance, spdx nor a predicate type URI"},
      {key + "licenses: {deny: GPL-3.0-only}\n",
       "policy.yaml:2: licenses.deny: must be a list"},
      {key + "licenses: {deny: [MIT AND]}\n",
       "policy.yaml:2: licenses.deny[0]: license expression 'MIT AND': "
       "expected a license after AND"},
      {key + "licenses: {allow: [MIT OR Zlib]}\n",
       "policy.yaml:2: licenses.allow[0]: 'MIT OR Zlib' is an expression; "
       "list one license per entry"},
      {key + "licenses: {permit: [MIT]}\n",
       "policy.yaml:2: licenses.permit: unknown field (known: allow, deny)"},
      {key + "licenses: {}\n", "policy.yaml:2: licenses: needs allow or deny"},
      {key + "source: {repository: https://x/y.git}\n",
       "policy.yaml:2: source.branch: is missing"},
      {key + "source: {repository: https://x/y.git, branch: [main]}\n",
       "policy.yaml:2: source.branch: must be a non-empty string"},
      {key + "vulnerabilities: {severity_threshold: HIGH}\n",
       "policy.yaml:2: vulnerabilities.feed: is missing"},
      {key + "vulnerabilities: {feed: osv/}\n",
       "policy.yaml:2: vulnerabilities.severity_threshold: is missing"},
      {key + "vulnerabilities: {feed: osv/, severity_threshold: SEVERE}\n",
       "policy.yaml:2: vulnerabilities.severity_threshold: 'SEVERE' is not "
       "LOW, MEDIUM, HIGH or CRITICAL"},
      {key + "vulnerabilities: {feed: osv/, severity_threshold: HIGH, "
             "unknown_severity: maybe}\n",
       "policy.yaml:2: vulnerabilities.unknown_severity: 'maybe' is not "
       "refuse or ignore"},
      {key + "vulnerabilities: {feed: osv/, severity_threshold: HIGH}\n",
       "policy.yaml:2: vulnerabilities.feed: OSV feed: cannot open osv/: No "
       "such file or directory"},
      {key + "licenses: [\n",
       "policy.yaml:3: not valid YAML: end of sequence flow not found"},
  };
  for (const auto& [yaml, error] : cases) {
    EXPECT_EQ(Error(yaml), error) << yaml;
  }
}

TEST_F(PolicyFileTest, MalformedFeedIsNamedInThePolicyError) {
  ASSERT_TRUE(MakeDirs(dir_.path() + "/osv").ok());
  ASSERT_TRUE(WriteFileAtomically(dir_.path() + "/osv/CVE-1.json",
                                  R"({"id":"CVE-1","affected":7})")
                  .ok());
  EXPECT_EQ(Error("trusted_keys: [keys/release.pub]\n"
                  "vulnerabilities: {feed: osv, severity_threshold: HIGH}\n"),
            "policy.yaml:2: vulnerabilities.feed: OSV feed osv/CVE-1.json: "
            "CVE-1: 'affected' is not an array");
}

TEST(PolicyFileMissingTest, UnreadablePolicyFile) {
  auto policy = LoadPolicy("/nonexistent/policy.yaml");
  ASSERT_FALSE(policy.ok());
  EXPECT_EQ(policy.message(),
            "policy: cannot open /nonexistent/policy.yaml: No such file or "
            "directory");
}

}  // namespace
}  // namespace staticship::policy
