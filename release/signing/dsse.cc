#include "release/signing/dsse.h"

#include <nlohmann/json.hpp>

#include "common/base/base64.h"

namespace staticship::signing {

std::string Pae(std::string_view payload_type, std::string_view payload) {
  std::string out = "DSSEv1 ";
  out += std::to_string(payload_type.size());
  out += ' ';
  out += payload_type;
  out += ' ';
  out += std::to_string(payload.size());
  out += ' ';
  out += payload;
  return out;
}

Result<DsseEnvelope> SignEnvelope(std::string_view payload_type,
                                  std::string payload, const PrivateKey& key,
                                  RandomSource& random) {
  Result<std::string> sig = key.Sign(Pae(payload_type, payload), random);
  if (!sig.ok()) return sig.error();
  DsseEnvelope envelope;
  envelope.payload_type = payload_type;
  envelope.payload = std::move(payload);
  envelope.signatures.push_back({key.Public().KeyId(), std::move(*sig)});
  return envelope;
}

std::string SerializeEnvelope(const DsseEnvelope& envelope) {
  nlohmann::ordered_json doc;
  doc["payloadType"] = envelope.payload_type;
  doc["payload"] = Base64Encode(envelope.payload);
  nlohmann::ordered_json signatures = nlohmann::ordered_json::array();
  for (const DsseSignature& s : envelope.signatures) {
    nlohmann::ordered_json entry;
    entry["keyid"] = s.keyid;
    entry["sig"] = Base64Encode(s.sig);
    signatures.push_back(std::move(entry));
  }
  doc["signatures"] = std::move(signatures);
  return doc.dump();
}

Result<DsseEnvelope> ParseEnvelope(std::string_view json) {
  const nlohmann::json doc = nlohmann::json::parse(json, nullptr, false);
  auto bad = [](const std::string& what) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "not a DSSE envelope: " + what);
  };
  if (doc.is_discarded() || !doc.is_object()) return bad("not JSON");
  if (!doc.contains("payloadType") || !doc["payloadType"].is_string() ||
      !doc.contains("payload") || !doc["payload"].is_string() ||
      !doc.contains("signatures") || !doc["signatures"].is_array()) {
    return bad("payloadType, payload or signatures missing");
  }
  DsseEnvelope envelope;
  envelope.payload_type = doc["payloadType"].get<std::string>();
  Result<std::string> payload = Base64Decode(doc["payload"].get<std::string>());
  if (!payload.ok()) return bad("payload is not base64");
  envelope.payload = std::move(*payload);
  for (const auto& entry : doc["signatures"]) {
    if (!entry.is_object() || !entry.contains("sig") ||
        !entry["sig"].is_string()) {
      return bad("a signature has no sig");
    }
    Result<std::string> sig = Base64Decode(entry["sig"].get<std::string>());
    if (!sig.ok()) return bad("a sig is not base64");
    DsseSignature s;
    if (entry.contains("keyid") && entry["keyid"].is_string()) {
      s.keyid = entry["keyid"].get<std::string>();
    }
    s.sig = std::move(*sig);
    envelope.signatures.push_back(std::move(s));
  }
  return envelope;
}

bool EnvelopeSignedBy(const DsseEnvelope& envelope, const PublicKey& key) {
  const std::string pae = Pae(envelope.payload_type, envelope.payload);
  for (const DsseSignature& s : envelope.signatures) {
    // The keyid is a hint the signer wrote, so it is not trusted: every
    // signature is checked against the key.
    if (key.Verify(pae, s.sig)) return true;
  }
  return false;
}

}  // namespace staticship::signing
