#include "release/signing/key_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <map>

#include "common/base/file.h"
#include "common/testing/temp_dir.h"
#include "release/signing/random.h"

namespace staticship::signing {
namespace {

EnvLookup Env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

class KeyFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto source = RandomSource::Create();
    ASSERT_TRUE(source.ok());
    random_ = std::move(*source);
  }
  testing::TempDir dir_;
  std::unique_ptr<RandomSource> random_;
};

TEST_F(KeyFileTest, WritesAPrivateKey0600AndReadsItBack) {
  const std::string prefix = dir_.path() + "/release";
  std::string key_id;
  auto paths =
      WriteNewKeyPair(prefix, std::string("pw-from-file"), *random_, &key_id);
  ASSERT_TRUE(paths.ok()) << paths.message();
  struct stat st {};
  ASSERT_EQ(::stat(paths->private_key.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  ASSERT_TRUE(WriteFileAtomically(dir_.path() + "/pw", "pw-from-file\n").ok());
  auto key = ReadPrivateKey(paths->private_key, dir_.path() + "/pw", Env({}));
  ASSERT_TRUE(key.ok()) << key.message();
  EXPECT_EQ(key->Public().KeyId(), key_id);
  auto pub = ReadPublicKey(paths->public_key);
  ASSERT_TRUE(pub.ok()) << pub.message();
  EXPECT_EQ(pub->KeyId(), key_id);

  // The environment variable cosign uses, when no file is given.
  auto from_env = ReadPrivateKey(paths->private_key, std::nullopt,
                                 Env({{"COSIGN_PASSWORD", "pw-from-file"}}));
  ASSERT_TRUE(from_env.ok()) << from_env.message();

  auto wrong = ReadPrivateKey(paths->private_key, std::nullopt,
                              Env({{"COSIGN_PASSWORD", "Not-The-Pw"}}));
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.message().find("Not-The-Pw"), std::string::npos);
  EXPECT_NE(wrong.message().find("wrong password"), std::string::npos);
}

TEST_F(KeyFileTest, NeverOverwritesAKey) {
  const std::string prefix = dir_.path() + "/k";
  ASSERT_TRUE(WriteFileAtomically(prefix + ".key", "precious").ok());
  std::string key_id;
  auto paths = WriteNewKeyPair(prefix, std::nullopt, *random_, &key_id);
  ASSERT_FALSE(paths.ok());
  EXPECT_EQ(paths.code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(*ReadWholeFile(prefix + ".key"), "precious");
  EXPECT_FALSE(std::filesystem::exists(prefix + ".pub"));
}

TEST_F(KeyFileTest, EmptyPasswordsAreRefused) {
  ASSERT_TRUE(WriteFileAtomically(dir_.path() + "/empty", "\n").ok());
  EXPECT_FALSE(LoadPassword(dir_.path() + "/empty", Env({})).ok());
  EXPECT_FALSE(LoadPassword(std::nullopt, Env({{"COSIGN_PASSWORD", ""}})).ok());
  auto none = LoadPassword(std::nullopt, Env({}));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

}  // namespace
}  // namespace staticship::signing
