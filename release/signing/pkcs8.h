// PKCS#8 (RFC 5208, RFC 5958) for the EC private keys of `shipctl keygen`:
// the plain PrivateKeyInfo ("PRIVATE KEY") and the password-encrypted
// EncryptedPrivateKeyInfo ("ENCRYPTED PRIVATE KEY") with PBES2 (RFC 8018):
// PBKDF2 with HMAC-SHA256 and AES-256-CBC. That is what `openssl pkcs8
// -topk8 -v2 aes-256-cbc` writes and what OpenSSL, python3-cryptography and
// Go's x509 read; cosign's own "ENCRYPTED SIGSTORE PRIVATE KEY" (scrypt and
// NaCl secretbox) is readable by cosign alone.
#ifndef STATICSHIP_RELEASE_SIGNING_PKCS8_H_
#define STATICSHIP_RELEASE_SIGNING_PKCS8_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "common/base/result.h"
#include "release/signing/random.h"

namespace staticship::signing {

// The PBKDF2 rounds of a new key: each sign or attest run pays them once
// (about 0.1 s), a password guesser pays them for every guess.
inline constexpr std::uint32_t kPbkdf2Iterations = 100000;

// PrivateKeyInfo for a SEC1 ECPrivateKey on P-256.
std::string WrapEcPrivateKey(std::string_view sec1_der);

Result<std::string> EncryptPrivateKeyInfo(
    std::string_view private_key_info, std::string_view password,
    RandomSource& random, std::uint32_t iterations = kPbkdf2Iterations);

// The PrivateKeyInfo inside. PBES2 with PBKDF2 (HMAC-SHA1 or -SHA256) and
// AES-128/192/256-CBC is read; other schemes are kUnimplemented. A wrong
// password is kPermissionDenied (nothing of the password in the message).
Result<std::string> DecryptPrivateKeyInfo(std::string_view encrypted_der,
                                          std::string_view password);

}  // namespace staticship::signing

#endif  // STATICSHIP_RELEASE_SIGNING_PKCS8_H_
