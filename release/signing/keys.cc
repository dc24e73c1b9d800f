#include "release/signing/keys.h"

#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>
#include <mbedtls/pem.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>

#include <array>
#include <vector>

#include "release/common/sha256.h"
#include "release/signing/pkcs8.h"
#include "release/signing/random.h"

namespace staticship::signing {

struct PkContext {
  mbedtls_pk_context pk;
};

void PkContextDeleter::operator()(PkContext* context) const {
  mbedtls_pk_free(&context->pk);
  delete context;
}

namespace {

constexpr char kEncryptedBegin[] = "-----BEGIN ENCRYPTED PRIVATE KEY-----";
constexpr char kEncryptedEnd[] = "-----END ENCRYPTED PRIVATE KEY-----";

PkHandle NewContext() {
  PkHandle handle(new PkContext);
  mbedtls_pk_init(&handle->pk);
  return handle;
}

void Wipe(std::string& secret) {
  mbedtls_platform_zeroize(secret.data(), secret.size());
  secret.clear();
}

const unsigned char* Bytes(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

std::array<unsigned char, 32> Sha256Of(std::string_view message) {
  std::array<unsigned char, 32> hash{};
  mbedtls_sha256_ret(Bytes(message), message.size(), hash.data(), 0);
  return hash;
}

// Only P-256: what cosign generates and what the policy trusts.
bool IsP256(mbedtls_pk_context& pk) {
  return mbedtls_pk_get_type(&pk) == MBEDTLS_PK_ECKEY &&
         mbedtls_pk_ec(pk)->grp.id == MBEDTLS_ECP_DP_SECP256R1;
}

Result<std::string> PublicDer(mbedtls_pk_context& pk) {
  std::vector<unsigned char> buffer(256);
  // Mbed TLS writes DER at the end of the buffer.
  const int size =
      mbedtls_pk_write_pubkey_der(&pk, buffer.data(), buffer.size());
  if (size <= 0) {
    return MakeError(ErrorCode::kInternal, "cannot encode the public key");
  }
  return std::string(
      reinterpret_cast<const char*>(buffer.data() + buffer.size() - size),
      static_cast<std::size_t>(size));
}

std::string Pem(std::string_view label, std::string_view der) {
  const std::string header = "-----BEGIN " + std::string(label) + "-----\n";
  const std::string footer = "-----END " + std::string(label) + "-----\n";
  std::vector<unsigned char> buffer(der.size() * 2 + header.size() +
                                    footer.size() + 64);
  std::size_t written = 0;
  mbedtls_pem_write_buffer(header.c_str(), footer.c_str(), Bytes(der),
                           der.size(), buffer.data(), buffer.size(), &written);
  // `written` counts the terminating NUL.
  std::string out(reinterpret_cast<const char*>(buffer.data()),
                  written > 0 ? written - 1 : 0);
  mbedtls_platform_zeroize(buffer.data(), buffer.size());
  return out;
}

Result<std::string> DecodePem(std::string_view pem, const char* begin,
                              const char* end) {
  const std::string text(pem);  // NUL-terminated, as Mbed TLS wants
  mbedtls_pem_context context;
  mbedtls_pem_init(&context);
  std::size_t used = 0;
  const int rc = mbedtls_pem_read_buffer(&context, begin, end, Bytes(text),
                                         nullptr, 0, &used);
  std::string der;
  if (rc == 0) {
    der.assign(reinterpret_cast<const char*>(context.buf), context.buflen);
  }
  mbedtls_pem_free(&context);
  if (rc != 0) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "malformed PEM block in the key file");
  }
  return der;
}

}  // namespace

Result<PublicKey> PublicKey::FromPem(std::string_view pem) {
  const std::string text(pem);
  PkHandle context = NewContext();
  if (mbedtls_pk_parse_public_key(&context->pk, Bytes(text), text.size() + 1) !=
      0) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "not a PEM public key (expected -----BEGIN PUBLIC "
                     "KEY-----)");
  }
  if (!IsP256(context->pk)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "public key is not ECDSA P-256");
  }
  Result<std::string> der = PublicDer(context->pk);
  if (!der.ok()) return der.error();
  return PublicKey(std::move(context), std::move(der.value()));
}

std::string PublicKey::ToPem() const { return Pem("PUBLIC KEY", der_); }

std::string PublicKey::KeyId() const { return release::Sha256Digest(der_); }

// mbedtls_pk_verify and mbedtls_pk_sign copy the key into a fresh ECDSA
// context per call, which reloads the curve and throws away its
// precomputed multiples of the generator: most of a P-256 operation's
// ~1.3 ms here. The key's own group keeps them (MBEDTLS_ECP_FIXED_POINT_OPTIM),
// so the second and later operations with one key skip that work.
bool PublicKey::Verify(std::string_view message,
                       std::string_view signature) const {
  const auto hash = Sha256Of(message);
  return mbedtls_ecdsa_read_signature(mbedtls_pk_ec(context_->pk), hash.data(),
                                      hash.size(), Bytes(signature),
                                      signature.size()) == 0;
}

// The public half gets a context of its own: a verifier holds no secret.
Result<PublicKey> PublicKey::FromDer(std::string der) {
  PkHandle context = NewContext();
  if (mbedtls_pk_parse_public_key(&context->pk, Bytes(der), der.size()) != 0) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "not a DER SubjectPublicKeyInfo");
  }
  if (!IsP256(context->pk)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "public key is not ECDSA P-256");
  }
  return PublicKey(std::move(context), std::move(der));
}

Result<PrivateKey> PrivateKey::FromBytes(
    const unsigned char* key, std::size_t size,
    const std::optional<std::string>& pwd) {
  PkHandle context = NewContext();
  const int rc = mbedtls_pk_parse_key(&context->pk, key, size,
                                      pwd.has_value() ? Bytes(*pwd) : nullptr,
                                      pwd.has_value() ? pwd->size() : 0);
  if (rc == MBEDTLS_ERR_PK_PASSWORD_REQUIRED) {
    return MakeError(ErrorCode::kPermissionDenied,
                     "the key is encrypted: give --password-file or set "
                     "COSIGN_PASSWORD");
  }
  if (rc == MBEDTLS_ERR_PK_PASSWORD_MISMATCH) {
    return MakeError(ErrorCode::kPermissionDenied,
                     "wrong password for the encrypted key");
  }
  if (rc != 0) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "not a PEM private key (PKCS#8 or SEC1)");
  }
  if (!IsP256(context->pk)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "private key is not ECDSA P-256");
  }
  Result<std::string> der = PublicDer(context->pk);
  if (!der.ok()) return der.error();
  Result<PublicKey> public_key = PublicKey::FromDer(std::move(der.value()));
  if (!public_key.ok()) return public_key.error();
  return PrivateKey(std::move(context), std::move(public_key.value()));
}

Result<PrivateKey> PrivateKey::Generate(RandomSource& random) {
  PkHandle context = NewContext();
  int rc = mbedtls_pk_setup(&context->pk,
                            mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
  if (rc == 0) {
    rc = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1,
                             mbedtls_pk_ec(context->pk),
                             &RandomSource::Generate, &random);
  }
  if (rc != 0) {
    return MakeError(ErrorCode::kInternal, "cannot generate a P-256 key");
  }
  Result<std::string> der = PublicDer(context->pk);
  if (!der.ok()) return der.error();
  Result<PublicKey> public_key = PublicKey::FromDer(std::move(der.value()));
  if (!public_key.ok()) return public_key.error();
  return PrivateKey(std::move(context), std::move(public_key.value()));
}

Result<PrivateKey> PrivateKey::FromPem(
    std::string_view pem, const std::optional<std::string>& password) {
  if (pem.find("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----") !=
      std::string_view::npos) {
    return MakeError(ErrorCode::kUnimplemented,
                     "cosign's own encrypted key format (scrypt + secretbox) "
                     "is not supported: use a key from `shipctl keygen`");
  }
  if (pem.find(kEncryptedBegin) == std::string_view::npos) {
    const std::string text(pem);
    return FromBytes(Bytes(text), text.size() + 1, password);
  }
  if (!password.has_value()) {
    return MakeError(ErrorCode::kPermissionDenied,
                     "the key is encrypted: give --password-file or set "
                     "COSIGN_PASSWORD");
  }
  Result<std::string> encrypted =
      DecodePem(pem, kEncryptedBegin, kEncryptedEnd);
  if (!encrypted.ok()) return encrypted.error();
  Result<std::string> info = DecryptPrivateKeyInfo(*encrypted, *password);
  if (info.code() == ErrorCode::kUnimplemented) {
    // Mbed TLS itself reads PBES2 with 3DES and the PKCS#12 schemes.
    const std::string text(pem);
    return FromBytes(Bytes(text), text.size() + 1, password);
  }
  if (!info.ok()) return info.error();
  Result<PrivateKey> key = FromBytes(Bytes(*info), info->size(), std::nullopt);
  Wipe(*info);
  return key;
}

Result<std::string> PrivateKey::ToPem(
    const std::optional<std::string>& password, RandomSource& random) const {
  std::vector<unsigned char> buffer(512);
  const int size =
      mbedtls_pk_write_key_der(&context_->pk, buffer.data(), buffer.size());
  if (size <= 0) {
    return MakeError(ErrorCode::kInternal, "cannot encode the private key");
  }
  std::string sec1(
      reinterpret_cast<const char*>(buffer.data() + buffer.size() - size),
      static_cast<std::size_t>(size));
  mbedtls_platform_zeroize(buffer.data(), buffer.size());
  std::string info = WrapEcPrivateKey(sec1);
  Wipe(sec1);
  if (!password.has_value()) {
    std::string pem = Pem("PRIVATE KEY", info);
    Wipe(info);
    return pem;
  }
  Result<std::string> encrypted =
      EncryptPrivateKeyInfo(info, *password, random);
  Wipe(info);
  if (!encrypted.ok()) return encrypted.error();
  return Pem("ENCRYPTED PRIVATE KEY", *encrypted);
}

Result<std::string> PrivateKey::Sign(std::string_view message,
                                     RandomSource& random) const {
  const auto hash = Sha256Of(message);
  std::array<unsigned char, MBEDTLS_ECDSA_MAX_LEN> signature{};
  std::size_t size = 0;
  // Deterministic ECDSA (RFC 6979) as mbedtls_pk_sign, on the key's own
  // group (see Verify); `random` only blinds the computation.
  if (mbedtls_ecdsa_write_signature(mbedtls_pk_ec(context_->pk),
                                    MBEDTLS_MD_SHA256, hash.data(), hash.size(),
                                    signature.data(), &size,
                                    &RandomSource::Generate, &random) != 0) {
    return MakeError(ErrorCode::kInternal, "ECDSA signing failed");
  }
  return std::string(reinterpret_cast<const char*>(signature.data()), size);
}

}  // namespace staticship::signing
