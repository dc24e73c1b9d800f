// DSSE envelopes (github.com/secure-systems-lab/dsse), what cosign puts in
// each attestation layer: the signature covers PAE(payloadType, payload),
// never the JSON around it.
//
//   {"payloadType":"application/vnd.in-toto+json","payload":"<base64>",
//    "signatures":[{"keyid":"sha256:…","sig":"<base64 DER ECDSA>"}]}
#ifndef STATICSHIP_RELEASE_SIGNING_DSSE_H_
#define STATICSHIP_RELEASE_SIGNING_DSSE_H_

#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"
#include "release/signing/keys.h"

namespace staticship::signing {

inline constexpr char kDsseMediaType[] =
    "application/vnd.dsse.envelope.v1+json";
inline constexpr char kInTotoPayloadType[] = "application/vnd.in-toto+json";

struct DsseSignature {
  std::string keyid;
  std::string sig;  // raw DER bytes (base64 only in the JSON)
};

struct DsseEnvelope {
  std::string payload_type;
  std::string payload;  // raw bytes (base64 only in the JSON)
  std::vector<DsseSignature> signatures;
};

// "DSSEv1" SP len(type) SP type SP len(body) SP body, lengths in decimal.
std::string Pae(std::string_view payload_type, std::string_view payload);

// An envelope with one signature by `key`, its keyid the key's KeyId().
Result<DsseEnvelope> SignEnvelope(std::string_view payload_type,
                                  std::string payload, const PrivateKey& key,
                                  RandomSource& random);

std::string SerializeEnvelope(const DsseEnvelope& envelope);
Result<DsseEnvelope> ParseEnvelope(std::string_view json);

// Whether any of the envelope's signatures is `key`'s over its PAE.
bool EnvelopeSignedBy(const DsseEnvelope& envelope, const PublicKey& key);

}  // namespace staticship::signing

#endif  // STATICSHIP_RELEASE_SIGNING_DSSE_H_
