// Key files on disk: `shipctl keygen` writes P.key (mode 0600, created
// exclusively: an existing key is never overwritten) and P.pub; sign,
// attest and push read P.key with the password from password.h.
#ifndef STATICSHIP_RELEASE_SIGNING_KEY_FILE_H_
#define STATICSHIP_RELEASE_SIGNING_KEY_FILE_H_

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "release/signing/keys.h"
#include "release/signing/password.h"

namespace staticship::signing {

struct KeyPairPaths {
  std::filesystem::path private_key;  // P.key
  std::filesystem::path public_key;   // P.pub
};

// Generates a P-256 pair and writes both files, the private key encrypted
// when `password` is given. When either file exists nothing is written;
// when the second write fails the first file is removed again.
Result<KeyPairPaths> WriteNewKeyPair(const std::string& prefix,
                                     const std::optional<std::string>& password,
                                     RandomSource& random, std::string* key_id);

// Reads a private key; `password_file` or COSIGN_PASSWORD (via env) when it
// is encrypted. Errors name the file, never its contents or the password.
Result<PrivateKey> ReadPrivateKey(
    const std::filesystem::path& path,
    const std::optional<std::filesystem::path>& password_file,
    const EnvLookup& env);

Result<PublicKey> ReadPublicKey(const std::filesystem::path& path);

}  // namespace staticship::signing

#endif  // STATICSHIP_RELEASE_SIGNING_KEY_FILE_H_
