#include "release/signing/simple_signing.h"

#include <nlohmann/json.hpp>

namespace staticship::signing {
namespace {

constexpr char kType[] = "cosign container image signature";

}  // namespace

std::string SimpleSigningPayload(std::string_view docker_reference,
                                 std::string_view manifest_digest) {
  // cosign marshals a Go struct: this key order, compact, "optional":null.
  nlohmann::ordered_json payload;
  payload["critical"]["identity"]["docker-reference"] = docker_reference;
  payload["critical"]["image"]["docker-manifest-digest"] = manifest_digest;
  payload["critical"]["type"] = kType;
  payload["optional"] = nullptr;
  return payload.dump();
}

Result<std::string> SimpleSigningDigest(std::string_view payload) {
  const nlohmann::json doc = nlohmann::json::parse(payload, nullptr, false);
  const nlohmann::json::json_pointer type_path("/critical/type");
  const nlohmann::json::json_pointer digest_path(
      "/critical/image/docker-manifest-digest");
  if (doc.is_discarded() || !doc.is_object() || !doc.contains(type_path) ||
      doc[type_path] != kType || !doc.contains(digest_path) ||
      !doc[digest_path].is_string()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "not a cosign simple-signing payload");
  }
  return doc[digest_path].get<std::string>();
}

}  // namespace staticship::signing
