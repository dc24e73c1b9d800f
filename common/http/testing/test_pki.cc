#include "common/http/testing/test_pki.h"

#include <arpa/inet.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include <atomic>

namespace staticship::testing {
namespace {

// RAII for the Mbed TLS objects one certificate needs.
struct Rng {
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  Rng() {
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, nullptr, 0);
  }
  ~Rng() {
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
  }
};

struct Pk {
  mbedtls_pk_context pk;
  Pk() { mbedtls_pk_init(&pk); }
  ~Pk() { mbedtls_pk_free(&pk); }
};

Error Failed(const char* what, int rc) {
  char buf[160];
  mbedtls_strerror(rc, buf, sizeof(buf));
  return MakeError(std::string("test pki: ") + what + ": " + buf);
}

Result<std::string> NewKey(Rng& rng) {
  Pk key;
  int rc =
      mbedtls_pk_setup(&key.pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
  if (rc == 0) {
    rc = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(key.pk),
                             mbedtls_ctr_drbg_random, &rng.drbg);
  }
  unsigned char pem[1024];
  if (rc == 0) rc = mbedtls_pk_write_key_pem(&key.pk, pem, sizeof(pem));
  if (rc != 0) return Failed("key", rc);
  return std::string(reinterpret_cast<char*>(pem));
}

Status LoadKey(const std::string& pem, Pk* key, Rng& rng) {
  (void)rng;
  int rc = mbedtls_pk_parse_key(
      &key->pk, reinterpret_cast<const unsigned char*>(pem.c_str()),
      pem.size() + 1, nullptr, 0);
  if (rc != 0) return Failed("parse key", rc);
  return Status::Ok();
}

// DER: tag, length (short or long form), value.
std::string Der(unsigned char tag, const std::string& value) {
  std::string out(1, static_cast<char>(tag));
  size_t n = value.size();
  if (n < 128) {
    out.push_back(static_cast<char>(n));
  } else if (n < 256) {
    out.push_back(static_cast<char>(0x81));
    out.push_back(static_cast<char>(n));
  } else {
    out.push_back(static_cast<char>(0x82));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n & 0xff));
  }
  return out + value;
}

Result<std::string> SubjectAltName(const CertSpec& spec) {
  std::string names;
  for (const std::string& dns : spec.dns_names) names += Der(0x82, dns);
  for (const std::string& ip : spec.ip_addresses) {
    unsigned char raw[16];
    if (::inet_pton(AF_INET, ip.c_str(), raw) == 1) {
      names += Der(0x87, std::string(reinterpret_cast<char*>(raw), 4));
    } else if (::inet_pton(AF_INET6, ip.c_str(), raw) == 1) {
      names += Der(0x87, std::string(reinterpret_cast<char*>(raw), 16));
    } else {
      return MakeError("test pki: bad IP " + ip);
    }
  }
  return Der(0x30, names);
}

Result<std::string> Sign(const std::string& subject_key_pem,
                         const std::string& subject,
                         const std::string& issuer_key_pem,
                         const std::string& issuer, const CertSpec& spec,
                         bool is_ca) {
  static std::atomic<int> serial_counter{1};
  Rng rng;
  Pk subject_key, issuer_key;
  if (Status s = LoadKey(subject_key_pem, &subject_key, rng); !s.ok())
    return s.error();
  if (Status s = LoadKey(issuer_key_pem, &issuer_key, rng); !s.ok())
    return s.error();
  mbedtls_x509write_cert crt;
  mbedtls_x509write_crt_init(&crt);
  mbedtls_mpi serial;
  mbedtls_mpi_init(&serial);
  mbedtls_mpi_lset(&serial, serial_counter++);
  mbedtls_x509write_crt_set_version(&crt, MBEDTLS_X509_CRT_VERSION_3);
  mbedtls_x509write_crt_set_md_alg(&crt, MBEDTLS_MD_SHA256);
  mbedtls_x509write_crt_set_subject_key(&crt, &subject_key.pk);
  mbedtls_x509write_crt_set_issuer_key(&crt, &issuer_key.pk);
  int rc = mbedtls_x509write_crt_set_serial(&crt, &serial);
  if (rc == 0)
    rc = mbedtls_x509write_crt_set_subject_name(&crt, subject.c_str());
  if (rc == 0) rc = mbedtls_x509write_crt_set_issuer_name(&crt, issuer.c_str());
  if (rc == 0) {
    rc = mbedtls_x509write_crt_set_validity(&crt, spec.not_before.c_str(),
                                            spec.not_after.c_str());
  }
  if (rc == 0)
    rc = mbedtls_x509write_crt_set_basic_constraints(&crt, is_ca, -1);
  if (rc == 0 && !is_ca &&
      (!spec.dns_names.empty() || !spec.ip_addresses.empty())) {
    Result<std::string> san = SubjectAltName(spec);
    if (!san.ok()) {
      mbedtls_mpi_free(&serial);
      mbedtls_x509write_crt_free(&crt);
      return san.error();
    }
    rc = mbedtls_x509write_crt_set_extension(
        &crt, MBEDTLS_OID_SUBJECT_ALT_NAME,
        MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0,
        reinterpret_cast<const unsigned char*>(san->data()), san->size());
  }
  unsigned char pem[4096];
  if (rc == 0) {
    rc = mbedtls_x509write_crt_pem(&crt, pem, sizeof(pem),
                                   mbedtls_ctr_drbg_random, &rng.drbg);
  }
  mbedtls_mpi_free(&serial);
  mbedtls_x509write_crt_free(&crt);
  if (rc != 0) return Failed("certificate", rc);
  return std::string(reinterpret_cast<char*>(pem));
}

}  // namespace

Result<TestCa> TestCa::Create(const std::string& common_name) {
  Rng rng;
  Result<std::string> key = NewKey(rng);
  if (!key.ok()) return key.error();
  TestCa ca;
  ca.subject_ = "CN=" + common_name;
  ca.ca_.key_pem = *key;
  Result<std::string> cert =
      Sign(*key, ca.subject_, *key, ca.subject_, CertSpec{}, true);
  if (!cert.ok()) return cert.error();
  ca.ca_.cert_pem = *cert;
  return ca;
}

Result<KeyAndCert> TestCa::Issue(const CertSpec& spec) const {
  Rng rng;
  Result<std::string> key = NewKey(rng);
  if (!key.ok()) return key.error();
  Result<std::string> cert =
      Sign(*key, "CN=" + spec.common_name, ca_.key_pem, subject_, spec, false);
  if (!cert.ok()) return cert.error();
  return KeyAndCert{*key, *cert};
}

}  // namespace staticship::testing
