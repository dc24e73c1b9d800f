#include "release/signing/keys.h"

#include <gtest/gtest.h>

#include "common/base/file.h"
#include "release/signing/pkcs8.h"
#include "release/signing/random.h"

namespace staticship::signing {
namespace {

std::string ReadFileOrDie(const std::string& path) {
  auto text = ReadWholeFile(path);
  if (!text.ok()) {
    ADD_FAILURE() << text.message();
    return "";
  }
  return *text;
}

class KeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto source = RandomSource::Create();
    ASSERT_TRUE(source.ok()) << source.message();
    random_ = std::move(*source);
  }
  PrivateKey NewKey() {
    auto key = PrivateKey::Generate(*random_);
    EXPECT_TRUE(key.ok()) << key.message();
    return std::move(*key);
  }
  std::unique_ptr<RandomSource> random_;
};

TEST_F(KeysTest, SignatureVerifiesOnlyForItsMessageAndKey) {
  PrivateKey key = NewKey();
  PrivateKey other = NewKey();
  auto sig = key.Sign("payload", *random_);
  ASSERT_TRUE(sig.ok()) << sig.message();
  EXPECT_TRUE(key.Public().Verify("payload", *sig));
  EXPECT_FALSE(key.Public().Verify("payloaD", *sig));
  EXPECT_FALSE(other.Public().Verify("payload", *sig));
  std::string flipped = *sig;
  flipped[flipped.size() - 1] ^= 1;
  EXPECT_FALSE(key.Public().Verify("payload", flipped));
  // DER: SEQUENCE of two INTEGERs.
  EXPECT_EQ(static_cast<unsigned char>((*sig)[0]), 0x30);
}

TEST_F(KeysTest, SignaturesAreDeterministic) {
  PrivateKey key = NewKey();
  auto a = key.Sign("same bytes", *random_);
  auto b = key.Sign("same bytes", *random_);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
}

TEST_F(KeysTest, UnencryptedPemRoundTrip) {
  PrivateKey key = NewKey();
  auto pem = key.ToPem(std::nullopt, *random_);
  ASSERT_TRUE(pem.ok()) << pem.message();
  EXPECT_TRUE(pem->starts_with("-----BEGIN PRIVATE KEY-----\n")) << *pem;
  auto back = PrivateKey::FromPem(*pem, std::nullopt);
  ASSERT_TRUE(back.ok()) << back.message();
  EXPECT_EQ(back->Public().der(), key.Public().der());
  auto sig = back->Sign("m", *random_);
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(key.Public().Verify("m", *sig));
}

TEST_F(KeysTest, EncryptedPemRoundTripAndWrongPassword) {
  PrivateKey key = NewKey();
  const std::string password = "correct horse battery";
  auto pem = key.ToPem(password, *random_);
  ASSERT_TRUE(pem.ok()) << pem.message();
  EXPECT_TRUE(pem->starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----\n"));
  auto back = PrivateKey::FromPem(*pem, password);
  ASSERT_TRUE(back.ok()) << back.message();
  EXPECT_EQ(back->Public().der(), key.Public().der());

  auto wrong = PrivateKey::FromPem(*pem, std::string("Wrong-Pa55"));
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(wrong.message(), "wrong password for the encrypted key");

  auto none = PrivateKey::FromPem(*pem, std::nullopt);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.message().find("encrypted"), std::string::npos);
}

TEST_F(KeysTest, ReadsOpensslPbes2Aes128Sha1Key) {
  // Written by `openssl pkcs8 -topk8 -v2 aes-128-cbc -v2prf hmacWithSHA1`:
  // the other cipher and PRF our reader accepts, from an independent writer.
  auto pem = ReadFileOrDie("release/signing/testdata/openssl_aes128_sha1.key");
  auto pub = ReadFileOrDie("release/signing/testdata/openssl_aes128_sha1.pub");
  auto key = PrivateKey::FromPem(pem, std::string("openssl-test-pw"));
  ASSERT_TRUE(key.ok()) << key.message();
  auto expected = PublicKey::FromPem(pub);
  ASSERT_TRUE(expected.ok()) << expected.message();
  EXPECT_EQ(key->Public().der(), expected->der());
  EXPECT_EQ(key->Public().ToPem(), pub);
}

TEST_F(KeysTest, PublicKeyPemIsSubjectPublicKeyInfo) {
  PrivateKey key = NewKey();
  const std::string pem = key.Public().ToPem();
  EXPECT_TRUE(pem.starts_with("-----BEGIN PUBLIC KEY-----\n")) << pem;
  auto back = PublicKey::FromPem(pem);
  ASSERT_TRUE(back.ok()) << back.message();
  EXPECT_EQ(back->KeyId(), key.Public().KeyId());
  EXPECT_TRUE(back->KeyId().starts_with("sha256:"));
}

TEST_F(KeysTest, RejectsGarbageWithoutEchoingIt) {
  auto priv = PrivateKey::FromPem("secret-looking-text", std::nullopt);
  ASSERT_FALSE(priv.ok());
  EXPECT_EQ(priv.message().find("secret-looking-text"), std::string::npos);
  auto pub = PublicKey::FromPem("not a key");
  ASSERT_FALSE(pub.ok());
}

TEST_F(KeysTest, TruncatedEncryptedKeyIsAnError) {
  const std::string info = WrapEcPrivateKey("not really SEC1");
  auto der = EncryptPrivateKeyInfo(info, "pw", *random_, 10);
  ASSERT_TRUE(der.ok());
  for (std::size_t cut = 0; cut < der->size(); cut += 7) {
    auto plain = DecryptPrivateKeyInfo(der->substr(0, cut), "pw");
    EXPECT_FALSE(plain.ok()) << cut;
  }
  auto plain = DecryptPrivateKeyInfo(*der, "pw");
  ASSERT_TRUE(plain.ok()) << plain.message();
  EXPECT_EQ(*plain, info);
  EXPECT_EQ(DecryptPrivateKeyInfo(*der, "pW").code(),
            ErrorCode::kPermissionDenied);
}

}  // namespace
}  // namespace staticship::signing
