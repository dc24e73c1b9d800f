#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/base/base64.h"
#include "release/common/sha256.h"
#include "release/signing/cosign_artifact.h"
#include "release/signing/dsse.h"
#include "release/signing/keys.h"
#include "release/signing/random.h"
#include "release/signing/simple_signing.h"
#include "release/signing/statement.h"

namespace staticship::signing {
namespace {

constexpr char kDigest[] =
    "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

TEST(SimpleSigning, ExactlyCosignsBytes) {
  EXPECT_EQ(SimpleSigningPayload("127.0.0.1:5000/e2e/health", kDigest),
            std::string("{\"critical\":{\"identity\":{\"docker-reference\":"
                        "\"127.0.0.1:5000/e2e/health\"},\"image\":{\"docker-"
                        "manifest-digest\":\"") +
                kDigest +
                "\"},\"type\":\"cosign container image signature\"},"
                "\"optional\":null}");
  auto digest = SimpleSigningDigest(SimpleSigningPayload("r", kDigest));
  ASSERT_TRUE(digest.ok()) << digest.message();
  EXPECT_EQ(*digest, kDigest);
  EXPECT_FALSE(SimpleSigningDigest("{\"critical\":{}}").ok());
  EXPECT_FALSE(SimpleSigningDigest("not json").ok());
}

TEST(Dsse, PaeMatchesTheSpecExample) {
  // github.com/secure-systems-lab/dsse protocol.md's example.
  EXPECT_EQ(Pae("http://example.com/HelloWorld", "hello world"),
            "DSSEv1 29 http://example.com/HelloWorld 11 hello world");
  EXPECT_EQ(Pae("", ""), "DSSEv1 0  0 ");
}

TEST(Dsse, SignedEnvelopeRoundTripsAndDetectsTampering) {
  auto random = RandomSource::Create();
  ASSERT_TRUE(random.ok());
  auto key = PrivateKey::Generate(**random);
  auto other = PrivateKey::Generate(**random);
  ASSERT_TRUE(key.ok() && other.ok());
  auto envelope = SignEnvelope(kInTotoPayloadType, "{\"a\":1}", *key, **random);
  ASSERT_TRUE(envelope.ok()) << envelope.message();
  const std::string json = SerializeEnvelope(*envelope);
  const auto doc = nlohmann::json::parse(json);
  EXPECT_EQ(doc["payloadType"], kInTotoPayloadType);
  EXPECT_EQ(doc["payload"], "eyJhIjoxfQ==");
  EXPECT_EQ(doc["signatures"][0]["keyid"], key->Public().KeyId());

  auto parsed = ParseEnvelope(json);
  ASSERT_TRUE(parsed.ok()) << parsed.message();
  EXPECT_TRUE(EnvelopeSignedBy(*parsed, key->Public()));
  EXPECT_FALSE(EnvelopeSignedBy(*parsed, other->Public()));
  DsseEnvelope changed = *parsed;
  changed.payload = "{\"a\":2}";
  EXPECT_FALSE(EnvelopeSignedBy(changed, key->Public()));
  changed = *parsed;
  changed.payload_type = "application/json";
  EXPECT_FALSE(EnvelopeSignedBy(changed, key->Public()));

  EXPECT_FALSE(ParseEnvelope("{}").ok());
  EXPECT_FALSE(
      ParseEnvelope(
          "{\"payloadType\":\"t\",\"payload\":\"!!\",\"signatures\":[]}")
          .ok());
}

TEST(Statement, SubjectAndPredicateRoundTrip) {
  nlohmann::ordered_json predicate = {{"k", "v"}};
  const std::string json =
      StatementJson("127.0.0.1:5000/a", kDigest, kSpdxDocument, predicate);
  const auto doc = nlohmann::json::parse(json);
  EXPECT_EQ(doc["_type"], "https://in-toto.io/Statement/v1");
  EXPECT_EQ(doc["subject"][0]["name"], "127.0.0.1:5000/a");
  EXPECT_EQ(doc["subject"][0]["digest"]["sha256"],
            std::string(kDigest).substr(7));
  auto parsed = ParseStatement(json);
  ASSERT_TRUE(parsed.ok()) << parsed.message();
  EXPECT_EQ(parsed->predicate_type, kSpdxDocument);
  ASSERT_EQ(parsed->subjects.size(), 1u);
  EXPECT_EQ(parsed->subjects[0].sha256, std::string(kDigest).substr(7));
  EXPECT_EQ(parsed->predicate["k"], "v");
  EXPECT_FALSE(ParseStatement("{\"_type\":\"other\"}").ok());
}

TEST(Statement, PredicateTypeNames) {
  EXPECT_EQ(*PredicateTypeUri("slsaprovenance"), kSlsaProvenanceV1);
  EXPECT_EQ(*PredicateTypeUri("spdx"), kSpdxDocument);
  EXPECT_EQ(*PredicateTypeUri("https://example.com/x"),
            "https://example.com/x");
  EXPECT_FALSE(PredicateTypeUri("cyclonedx").ok());
}

TEST(CosignArtifact, TagsAndAppending) {
  EXPECT_EQ(SignatureTag(kDigest),
            "sha256-"
            "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
            ".sig");
  EXPECT_TRUE(AttestationTag(kDigest).ends_with(".att"));

  ArtifactLayer first{kDsseMediaType, "envelope-1", {{"predicateType", "a"}}};
  ArtifactLayer second{kDsseMediaType, "envelope-2", {{"predicateType", "b"}}};
  auto one = AppendLayers("", {&first, 1});
  ASSERT_TRUE(one.ok()) << one.message();
  auto two = AppendLayers(one->manifest, {&second, 1});
  ASSERT_TRUE(two.ok()) << two.message();
  auto layers = ArtifactLayers(two->manifest);
  ASSERT_TRUE(layers.ok());
  ASSERT_EQ(layers->size(), 2u);
  EXPECT_EQ((*layers)[0].digest, release::Sha256Digest("envelope-1"));
  EXPECT_EQ((*layers)[0].annotations.at("predicateType"), "a");
  EXPECT_EQ((*layers)[1].digest, release::Sha256Digest("envelope-2"));
  EXPECT_EQ((*layers)[1].size, 10);

  // The same layer again changes nothing: signing twice is idempotent.
  auto again = AppendLayers(two->manifest, {&second, 1});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->manifest, two->manifest);
  EXPECT_EQ(again->config, two->config);

  // Both at once give the same manifest as one after the other.
  const ArtifactLayer both[] = {first, second};
  auto together = AppendLayers("", both);
  ASSERT_TRUE(together.ok());
  EXPECT_EQ(together->manifest, two->manifest);

  const auto manifest = nlohmann::json::parse(two->manifest);
  EXPECT_EQ(manifest["mediaType"],
            "application/vnd.oci.image.manifest.v1+json");
  EXPECT_EQ(manifest["config"]["digest"], release::Sha256Digest(two->config));
  const auto config = nlohmann::json::parse(two->config);
  EXPECT_EQ(config["rootfs"]["diff_ids"].size(), 2u);

  EXPECT_FALSE(AppendLayers("{\"layers\":[{\"digest\":\"md5:x\",\"size\":1}]}",
                            {&first, 1})
                   .ok());
}

// Small layers ride in the manifest too (OCI 1.1 "data"), so a verifier
// needs no second request; embedded bytes that do not match are ignored.
TEST(CosignArtifact, SmallLayersAreEmbedded) {
  ArtifactLayer small{kDsseMediaType, "envelope", {}};
  ArtifactLayer large{
      kDsseMediaType, std::string(kEmbeddedLayerLimit + 1, 'x'), {{"n", "2"}}};
  const ArtifactLayer both[] = {small, large};
  auto written = AppendLayers("", both);
  ASSERT_TRUE(written.ok()) << written.message();
  auto layers = ArtifactLayers(written->manifest);
  ASSERT_TRUE(layers.ok()) << layers.message();
  ASSERT_EQ(layers->size(), 2u);
  EXPECT_EQ((*layers)[0].data, "envelope");
  EXPECT_EQ((*layers)[1].data, "");
  // Appending keeps what the earlier layers embedded.
  ArtifactLayer third{kDsseMediaType, "third", {}};
  auto appended = AppendLayers(written->manifest, {&third, 1});
  ASSERT_TRUE(appended.ok());
  auto three = ArtifactLayers(appended->manifest);
  ASSERT_TRUE(three.ok());
  EXPECT_EQ((*three)[0].data, "envelope");
  EXPECT_EQ((*three)[2].data, "third");

  // Data that is not the named blob is not believed.
  auto doc = nlohmann::json::parse(written->manifest);
  doc["layers"][0]["data"] = Base64Encode("envelopf");
  auto tampered = ArtifactLayers(doc.dump());
  ASSERT_TRUE(tampered.ok());
  EXPECT_EQ((*tampered)[0].data, "");
  EXPECT_EQ((*tampered)[0].digest, release::Sha256Digest("envelope"));
}

}  // namespace
}  // namespace staticship::signing
