// Test-only certificates made in-process with Mbed TLS: a CA and the
// server certificates it signs, with any names and validity dates, so TLS
// tests need no files and can make expired or mismatched certificates.
#ifndef STATICSHIP_COMMON_HTTP_TESTING_TEST_PKI_H_
#define STATICSHIP_COMMON_HTTP_TESTING_TEST_PKI_H_

#include <memory>
#include <string>
#include <vector>

#include "common/base/result.h"

namespace staticship::testing {

struct KeyAndCert {
  std::string key_pem;   // EC P-256 private key
  std::string cert_pem;  // the certificate
};

struct CertSpec {
  std::string common_name = "test server";
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_addresses;      // "127.0.0.1", "::1"
  std::string not_before = "20200101000000";  // YYYYMMDDhhmmss, UTC
  std::string not_after = "20991231235959";
};

class TestCa {
 public:
  // A self-signed CA (basicConstraints CA:TRUE).
  static Result<TestCa> Create(const std::string& common_name);
  // A server certificate signed by this CA (SAN from spec).
  Result<KeyAndCert> Issue(const CertSpec& spec) const;
  const KeyAndCert& ca() const { return ca_; }

 private:
  KeyAndCert ca_;
  std::string subject_;
};

}  // namespace staticship::testing

#endif  // STATICSHIP_COMMON_HTTP_TESTING_TEST_PKI_H_
