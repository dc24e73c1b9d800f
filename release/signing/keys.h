// ECDSA P-256 keys with SHA-256, the key type of cosign's key-based
// signing: generation, PEM in and out, signing and verification, on Mbed
// TLS. Signatures are ASN.1 DER (what cosign stores, base64'd) and
// deterministic (RFC 6979), so signing the same bytes twice gives the same
// signature.
//
//   Result<PrivateKey> key = PrivateKey::FromPem(pem, password);
//   Result<std::string> sig = key->Sign(payload);
//   bool good = key->Public().Verify(payload, *sig);
#ifndef STATICSHIP_RELEASE_SIGNING_KEYS_H_
#define STATICSHIP_RELEASE_SIGNING_KEYS_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/base/result.h"

namespace staticship::signing {

class RandomSource;

// mbedtls_pk_context behind a pointer: Mbed TLS contexts must not move.
struct PkContext;
struct PkContextDeleter {
  void operator()(PkContext* context) const;
};
using PkHandle = std::unique_ptr<PkContext, PkContextDeleter>;

class PublicKey {
 public:
  // A "PUBLIC KEY" PEM (SubjectPublicKeyInfo), as cosign writes cosign.pub.
  static Result<PublicKey> FromPem(std::string_view pem);
  // A SubjectPublicKeyInfo DER.
  static Result<PublicKey> FromDer(std::string der);

  std::string ToPem() const;
  // The SubjectPublicKeyInfo DER.
  const std::string& der() const { return der_; }
  // "sha256:<hex of the SubjectPublicKeyInfo DER>": names a key in messages
  // and in DSSE signatures without showing the key.
  std::string KeyId() const;
  // Whether `signature` (DER) is this key's ECDSA-SHA256 over `message`.
  // The first call caches the curve's precomputed points in the key, so
  // one key is not used by two threads at once.
  bool Verify(std::string_view message, std::string_view signature) const;

 private:
  PublicKey(PkHandle context, std::string der)
      : context_(std::move(context)), der_(std::move(der)) {}
  friend class PrivateKey;
  PkHandle context_;
  std::string der_;
};

class PrivateKey {
 public:
  static Result<PrivateKey> Generate(RandomSource& random);
  // "PRIVATE KEY" (PKCS#8), "EC PRIVATE KEY" (SEC1) or "ENCRYPTED PRIVATE
  // KEY" (PKCS#8 PBES2, which needs `password`). Errors never contain key
  // or password bytes.
  static Result<PrivateKey> FromPem(std::string_view pem,
                                    const std::optional<std::string>& password);

  // PKCS#8 PEM, encrypted when a password is given.
  Result<std::string> ToPem(const std::optional<std::string>& password,
                            RandomSource& random) const;
  const PublicKey& Public() const { return public_; }
  // ECDSA-SHA256 over `message`, DER-encoded. Like Verify, not for two
  // threads at once.
  Result<std::string> Sign(std::string_view message,
                           RandomSource& random) const;

 private:
  // A PEM (NUL included in size) or DER key, as mbedtls_pk_parse_key takes.
  static Result<PrivateKey> FromBytes(const unsigned char* key,
                                      std::size_t size,
                                      const std::optional<std::string>& pwd);
  PrivateKey(PkHandle context, PublicKey public_key)
      : context_(std::move(context)), public_(std::move(public_key)) {}
  PkHandle context_;
  PublicKey public_;
};

}  // namespace staticship::signing

#endif  // STATICSHIP_RELEASE_SIGNING_KEYS_H_
