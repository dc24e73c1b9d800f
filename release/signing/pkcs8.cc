#include "release/signing/pkcs8.h"

#include <mbedtls/cipher.h>
#include <mbedtls/md.h>
#include <mbedtls/pkcs5.h>
#include <mbedtls/platform_util.h>

#include "release/signing/der.h"

namespace staticship::signing {
namespace {

// OID contents octets.
constexpr std::string_view kOidPbes2 = "\x2a\x86\x48\x86\xf7\x0d\x01\x05\x0d";
constexpr std::string_view kOidPbkdf2 = "\x2a\x86\x48\x86\xf7\x0d\x01\x05\x0c";
constexpr std::string_view kOidHmacSha1 = "\x2a\x86\x48\x86\xf7\x0d\x02\x07";
constexpr std::string_view kOidHmacSha256 = "\x2a\x86\x48\x86\xf7\x0d\x02\x09";
constexpr std::string_view kOidAes128Cbc =
    "\x60\x86\x48\x01\x65\x03\x04\x01\x02";
constexpr std::string_view kOidAes192Cbc =
    "\x60\x86\x48\x01\x65\x03\x04\x01\x16";
constexpr std::string_view kOidAes256Cbc =
    "\x60\x86\x48\x01\x65\x03\x04\x01\x2a";
constexpr std::string_view kOidEcPublicKey = "\x2a\x86\x48\xce\x3d\x02\x01";
constexpr std::string_view kOidPrime256v1 = "\x2a\x86\x48\xce\x3d\x03\x01\x07";

constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kIvBytes = 16;

// Clears a buffer that held key material before its memory is reused.
void Wipe(std::string& secret) {
  mbedtls_platform_zeroize(secret.data(), secret.size());
  secret.clear();
}

struct Pbes2Params {
  std::string_view salt;
  std::uint32_t iterations = 0;
  mbedtls_md_type_t prf = MBEDTLS_MD_SHA1;  // RFC 8018's default
  mbedtls_cipher_type_t cipher = MBEDTLS_CIPHER_NONE;
  std::size_t key_bytes = 0;
  std::string_view iv;
};

Error Unsupported(const std::string& what) {
  return MakeError(ErrorCode::kUnimplemented,
                   "encrypted key uses " + what +
                       "; supported: PBES2 with PBKDF2 (HMAC-SHA1/SHA256) "
                       "and AES-CBC");
}

Error Malformed() {
  return MakeError(ErrorCode::kInvalidArgument,
                   "malformed ENCRYPTED PRIVATE KEY");
}

Result<Pbes2Params> ParsePbes2(std::string_view algorithm_identifier) {
  der::Reader algorithm(algorithm_identifier);
  Result<std::string_view> oid = algorithm.Read(der::kOid);
  if (!oid.ok()) return Malformed();
  if (*oid != kOidPbes2) return Unsupported("a scheme other than PBES2");
  Result<std::string_view> params = algorithm.Read(der::kSequence);
  if (!params.ok()) return Malformed();
  der::Reader pbes2(*params);
  Result<std::string_view> kdf = pbes2.Read(der::kSequence);
  Result<std::string_view> scheme = pbes2.Read(der::kSequence);
  if (!kdf.ok() || !scheme.ok()) return Malformed();

  Pbes2Params out;
  der::Reader kdf_reader(*kdf);
  Result<std::string_view> kdf_oid = kdf_reader.Read(der::kOid);
  if (!kdf_oid.ok()) return Malformed();
  if (*kdf_oid != kOidPbkdf2) return Unsupported("a KDF other than PBKDF2");
  Result<std::string_view> kdf_params = kdf_reader.Read(der::kSequence);
  if (!kdf_params.ok()) return Malformed();
  der::Reader pbkdf2(*kdf_params);
  Result<std::string_view> salt = pbkdf2.Read(der::kOctetString);
  Result<std::uint32_t> iterations = pbkdf2.ReadSmallInteger();
  if (!salt.ok() || !iterations.ok() || *iterations == 0) return Malformed();
  out.salt = *salt;
  out.iterations = *iterations;
  std::uint32_t declared_key_bytes = 0;
  if (pbkdf2.PeekTag() == der::kInteger) {
    Result<std::uint32_t> key_length = pbkdf2.ReadSmallInteger();
    if (!key_length.ok()) return Malformed();
    declared_key_bytes = *key_length;
  }
  if (pbkdf2.PeekTag() == der::kSequence) {
    Result<std::string_view> prf = pbkdf2.Read(der::kSequence);
    if (!prf.ok()) return Malformed();
    der::Reader prf_reader(*prf);
    Result<std::string_view> prf_oid = prf_reader.Read(der::kOid);
    if (!prf_oid.ok()) return Malformed();
    if (*prf_oid == kOidHmacSha256) {
      out.prf = MBEDTLS_MD_SHA256;
    } else if (*prf_oid != kOidHmacSha1) {
      return Unsupported("a PBKDF2 PRF other than HMAC-SHA1/SHA256");
    }
  }

  der::Reader scheme_reader(*scheme);
  Result<std::string_view> cipher_oid = scheme_reader.Read(der::kOid);
  Result<std::string_view> iv = scheme_reader.Read(der::kOctetString);
  if (!cipher_oid.ok() || !iv.ok()) return Malformed();
  if (*cipher_oid == kOidAes128Cbc) {
    out.cipher = MBEDTLS_CIPHER_AES_128_CBC;
    out.key_bytes = 16;
  } else if (*cipher_oid == kOidAes192Cbc) {
    out.cipher = MBEDTLS_CIPHER_AES_192_CBC;
    out.key_bytes = 24;
  } else if (*cipher_oid == kOidAes256Cbc) {
    out.cipher = MBEDTLS_CIPHER_AES_256_CBC;
    out.key_bytes = 32;
  } else {
    return Unsupported("a cipher other than AES-CBC");
  }
  if (declared_key_bytes != 0 && declared_key_bytes != out.key_bytes) {
    return Malformed();
  }
  if (iv->size() != kIvBytes) return Malformed();
  out.iv = *iv;
  return out;
}

Result<std::string> DeriveKey(std::string_view password,
                              const Pbes2Params& params) {
  mbedtls_md_context_t md;
  mbedtls_md_init(&md);
  std::string key(params.key_bytes, '\0');
  int rc = mbedtls_md_setup(&md, mbedtls_md_info_from_type(params.prf), 1);
  if (rc == 0) {
    rc = mbedtls_pkcs5_pbkdf2_hmac(
        &md, reinterpret_cast<const unsigned char*>(password.data()),
        password.size(),
        reinterpret_cast<const unsigned char*>(params.salt.data()),
        params.salt.size(), params.iterations,
        static_cast<std::uint32_t>(key.size()),
        reinterpret_cast<unsigned char*>(key.data()));
  }
  mbedtls_md_free(&md);
  if (rc != 0) {
    Wipe(key);
    return MakeError(ErrorCode::kInternal, "PBKDF2 failed");
  }
  return key;
}

// AES-CBC with PKCS#7 padding, Mbed TLS's default for CBC.
Result<std::string> Crypt(mbedtls_operation_t operation,
                          const Pbes2Params& params, std::string& key,
                          std::string_view input) {
  mbedtls_cipher_context_t cipher;
  mbedtls_cipher_init(&cipher);
  std::string out(input.size() + kIvBytes, '\0');
  std::size_t written = 0;
  int rc = mbedtls_cipher_setup(&cipher,
                                mbedtls_cipher_info_from_type(params.cipher));
  if (rc == 0) {
    rc = mbedtls_cipher_setkey(
        &cipher, reinterpret_cast<const unsigned char*>(key.data()),
        static_cast<int>(key.size() * 8), operation);
  }
  if (rc == 0) {
    rc = mbedtls_cipher_crypt(
        &cipher, reinterpret_cast<const unsigned char*>(params.iv.data()),
        params.iv.size(), reinterpret_cast<const unsigned char*>(input.data()),
        input.size(), reinterpret_cast<unsigned char*>(out.data()), &written);
  }
  mbedtls_cipher_free(&cipher);
  Wipe(key);
  if (rc != 0) {
    Wipe(out);
    return MakeError(ErrorCode::kPermissionDenied, "decryption failed");
  }
  out.resize(written);
  return out;
}

// Whether `der` is a PrivateKeyInfo: what a correct password yields. A
// wrong one gives bytes that fail this (or the padding check) with near
// certainty.
bool LooksLikePrivateKeyInfo(std::string_view der) {
  der::Reader outer(der);
  Result<std::string_view> info = outer.Read(der::kSequence);
  if (!info.ok() || !outer.empty()) return false;
  der::Reader fields(*info);
  Result<std::uint32_t> version = fields.ReadSmallInteger();
  Result<std::string_view> algorithm = fields.Read(der::kSequence);
  Result<std::string_view> key = fields.Read(der::kOctetString);
  return version.ok() && *version <= 1 && algorithm.ok() && key.ok();
}

}  // namespace

std::string WrapEcPrivateKey(std::string_view sec1_der) {
  return der::Sequence(
      der::SmallInteger(0) +
      der::Sequence(der::Oid(kOidEcPublicKey) + der::Oid(kOidPrime256v1)) +
      der::OctetString(sec1_der));
}

Result<std::string> EncryptPrivateKeyInfo(std::string_view private_key_info,
                                          std::string_view password,
                                          RandomSource& random,
                                          std::uint32_t iterations) {
  Result<std::string> salt = random.Bytes(kSaltBytes);
  if (!salt.ok()) return salt.error();
  Result<std::string> iv = random.Bytes(kIvBytes);
  if (!iv.ok()) return iv.error();
  Pbes2Params params;
  params.salt = *salt;
  params.iterations = iterations;
  params.prf = MBEDTLS_MD_SHA256;
  params.cipher = MBEDTLS_CIPHER_AES_256_CBC;
  params.key_bytes = 32;
  params.iv = *iv;
  Result<std::string> key = DeriveKey(password, params);
  if (!key.ok()) return key.error();
  Result<std::string> encrypted =
      Crypt(MBEDTLS_ENCRYPT, params, *key, private_key_info);
  if (!encrypted.ok()) {
    return MakeError(ErrorCode::kInternal, "AES encryption failed");
  }
  const std::string hmac_sha256 =
      der::Sequence(der::Oid(kOidHmacSha256) + der::Tlv(der::kNull, ""));
  const std::string pbkdf2 =
      der::Sequence(der::Oid(kOidPbkdf2) +
                    der::Sequence(der::OctetString(*salt) +
                                  der::SmallInteger(iterations) + hmac_sha256));
  const std::string aes =
      der::Sequence(der::Oid(kOidAes256Cbc) + der::OctetString(*iv));
  const std::string algorithm =
      der::Sequence(der::Oid(kOidPbes2) + der::Sequence(pbkdf2 + aes));
  return der::Sequence(algorithm + der::OctetString(*encrypted));
}

Result<std::string> DecryptPrivateKeyInfo(std::string_view encrypted_der,
                                          std::string_view password) {
  der::Reader outer(encrypted_der);
  Result<std::string_view> info = outer.Read(der::kSequence);
  if (!info.ok() || !outer.empty()) return Malformed();
  der::Reader fields(*info);
  Result<std::string_view> algorithm = fields.Read(der::kSequence);
  Result<std::string_view> data = fields.Read(der::kOctetString);
  if (!algorithm.ok() || !data.ok()) return Malformed();
  Result<Pbes2Params> params = ParsePbes2(*algorithm);
  if (!params.ok()) return params.error();
  Result<std::string> key = DeriveKey(password, *params);
  if (!key.ok()) return key.error();
  Result<std::string> plain = Crypt(MBEDTLS_DECRYPT, *params, *key, *data);
  if (!plain.ok() || !LooksLikePrivateKeyInfo(*plain)) {
    if (plain.ok()) Wipe(*plain);
    return MakeError(ErrorCode::kPermissionDenied,
                     "wrong password for the encrypted key");
  }
  return plain;
}

}  // namespace staticship::signing
