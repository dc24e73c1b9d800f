#include "release/signing/key_file.h"

#include <fcntl.h>
#include <mbedtls/platform_util.h>

#include "common/base/file.h"
#include "common/base/unique_fd.h"

namespace staticship::signing {
namespace {

// O_EXCL: the file is ours from its first byte, with its final mode (no
// window in which another user could open a wider one).
Status CreateExclusive(const std::filesystem::path& path,
                       std::string_view bytes, mode_t mode) {
  UniqueFd fd(
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
  if (!fd.valid()) return ErrnoError("cannot create", path.string());
  Status written = WriteAll(fd.get(), bytes, path.string());
  if (written.ok() && ::fsync(fd.get()) != 0) {
    written = ErrnoError("cannot sync", path.string());
  }
  if (!written.ok()) {
    ::unlink(path.c_str());
    return written;
  }
  return Status::Ok();
}

}  // namespace

Result<KeyPairPaths> WriteNewKeyPair(const std::string& prefix,
                                     const std::optional<std::string>& password,
                                     RandomSource& random,
                                     std::string* key_id) {
  if (prefix.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "--out-prefix is empty");
  }
  KeyPairPaths paths{prefix + ".key", prefix + ".pub"};
  for (const auto& path : {paths.private_key, paths.public_key}) {
    std::error_code ec;
    if (std::filesystem::symlink_status(path, ec).type() !=
        std::filesystem::file_type::not_found) {
      return MakeError(
          ErrorCode::kAlreadyExists,
          path.string() + " exists; keygen never overwrites a key");
    }
  }
  Result<PrivateKey> key = PrivateKey::Generate(random);
  if (!key.ok()) return key.error();
  Result<std::string> pem = key->ToPem(password, random);
  if (!pem.ok()) return pem.error();
  Status wrote_key = CreateExclusive(paths.private_key, *pem, 0600);
  mbedtls_platform_zeroize(pem->data(), pem->size());
  if (!wrote_key.ok()) return wrote_key.error();
  Status wrote_pub =
      CreateExclusive(paths.public_key, key->Public().ToPem(), 0644);
  if (!wrote_pub.ok()) {
    ::unlink(paths.private_key.c_str());
    return wrote_pub.error();
  }
  *key_id = key->Public().KeyId();
  return paths;
}

Result<PrivateKey> ReadPrivateKey(
    const std::filesystem::path& path,
    const std::optional<std::filesystem::path>& password_file,
    const EnvLookup& env) {
  Result<std::string> pem = ReadWholeFile(path);
  if (!pem.ok()) return pem.error();
  Result<std::optional<std::string>> password =
      LoadPassword(password_file, env);
  if (!password.ok()) return password.error();
  Result<PrivateKey> key = PrivateKey::FromPem(*pem, *password);
  mbedtls_platform_zeroize(pem->data(), pem->size());
  if (password->has_value()) {
    mbedtls_platform_zeroize((*password)->data(), (*password)->size());
  }
  if (!key.ok()) return WithContext(key.error(), path.string());
  return key;
}

Result<PublicKey> ReadPublicKey(const std::filesystem::path& path) {
  Result<std::string> pem = ReadWholeFile(path);
  if (!pem.ok()) return pem.error();
  Result<PublicKey> key = PublicKey::FromPem(*pem);
  if (!key.ok()) return WithContext(key.error(), path.string());
  return key;
}

}  // namespace staticship::signing
