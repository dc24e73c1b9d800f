// `shipctl sign` and `shipctl attest`: one signature or attestation for an
// image already in the registry, appended beside it.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "common/base/file.h"
#include "common/base/flags.h"
#include "release/common/report.h"
#include "release/registry/connection_flags.h"
#include "release/signing/attach.h"
#include "release/signing/commands.h"
#include "release/signing/key_file.h"
#include "release/signing/statement.h"

namespace staticship::signing {
namespace {

using Clock = std::chrono::steady_clock;

long long Ms(Clock::duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

FlagSpec SpecWith(std::set<std::string> values) {
  values.insert({"key", "ref", "password-file", "report"});
  FlagSpec spec{.values = std::move(values)};
  registry::AddConnectionFlags(&spec);
  return spec;
}

struct Signer {
  registry::Reference ref;
  std::unique_ptr<RandomSource> random;
  std::optional<PrivateKey> key;
  std::unique_ptr<registry::RegistryConnection> registry;
};

// Everything sign and attest share: the reference, the key, the registry
// connection, and that the image exists (nobody signs a digest by mistake).
Result<Signer> OpenSigner(const Flags& flags) {
  Signer signer;
  Result<registry::Reference> ref = registry::RequireDigestReference(flags);
  if (!ref.ok()) return ref.error();
  signer.ref = std::move(*ref);
  Result<std::string> key_path = flags.Require("key");
  if (!key_path.ok()) return key_path.error();
  std::optional<std::filesystem::path> password_file;
  if (auto file = flags.Get("password-file")) password_file = *file;
  Result<PrivateKey> key =
      ReadPrivateKey(*key_path, password_file,
                     [](const char* name) { return std::getenv(name); });
  if (!key.ok()) return key.error();
  signer.key.emplace(std::move(*key));
  Result<std::unique_ptr<RandomSource>> random = RandomSource::Create();
  if (!random.ok()) return random.error();
  signer.random = std::move(*random);
  Result<std::unique_ptr<registry::RegistryConnection>> connection =
      registry::OpenRegistryConnection(flags, signer.ref, "pull,push");
  if (!connection.ok()) return connection.error();
  signer.registry = std::move(*connection);
  Result<registry::Manifest> image =
      signer.registry->client().GetManifest(signer.ref.digest);
  if (!image.ok()) return image.error();
  return signer;
}

int Finish(const char* command, const Flags& flags, const Signer& signer,
           const Attached& attached, Clock::time_point started,
           nlohmann::json report) {
  const long long ms = Ms(Clock::now() - started);
  std::printf("%s: %s@%s by key %s -> :%s (%s)\n", command,
              signer.ref.Name().c_str(), signer.ref.digest.c_str(),
              signer.key->Public().KeyId().c_str(), attached.tag.c_str(),
              attached.manifest_digest.c_str());
  std::printf("%s: %lld ms\n", command, ms);
  if (auto path = flags.Get("report")) {
    report["command"] = command;
    report["digest"] = signer.ref.digest;
    report["repository"] = signer.ref.Name();
    report["key_id"] = signer.key->Public().KeyId();
    report["tag"] = attached.tag;
    report["artifact_digest"] = attached.manifest_digest;
    report["duration_ms"] = ms;
    if (Status s = release::WriteReport(*path, report); !s.ok()) {
      std::fprintf(stderr, "%s: %s\n", command, s.message().c_str());
      return 1;
    }
  }
  return 0;
}

}  // namespace

int RunSign(std::span<char* const> args) {
  const std::string usage =
      std::string(
          "usage: shipctl sign --key P.key --ref HOST:PORT/REPO@sha256:...\n"
          "         [--password-file FILE] [--report FILE]\n") +
      registry::kConnectionFlagsUsage +
      "\nPushes a cosign signature of the digest under sha256-<hex>.sig.\n"
      "An encrypted key's password: --password-file or COSIGN_PASSWORD.\n";
  const auto started = Clock::now();
  auto [flags, exit_code] = ParseCommand("sign", args, SpecWith({}), usage);
  if (!flags) return exit_code;
  Result<Signer> signer = OpenSigner(*flags);
  if (!signer.ok()) {
    std::fprintf(stderr, "sign: %s\n", signer.message().c_str());
    return 1;
  }
  Result<Attached> attached =
      PushSignature(signer->registry->client(), signer->ref.Name(),
                    signer->ref.digest, *signer->key, *signer->random);
  if (!attached.ok()) {
    std::fprintf(stderr, "sign: %s\n", attached.message().c_str());
    return 1;
  }
  return Finish("sign", *flags, *signer, *attached, started, {});
}

int RunAttest(std::span<char* const> args) {
  const std::string usage =
      std::string(
          "usage: shipctl attest --key P.key --ref HOST:PORT/REPO@sha256:...\n"
          "         --predicate-type slsaprovenance|spdx|URI --predicate FILE\n"
          "         [--password-file FILE] [--report FILE]\n") +
      registry::kConnectionFlagsUsage +
      "\nWraps the predicate in an in-toto Statement about the digest, signs\n"
      "it (DSSE) and appends it under sha256-<hex>.att.\n";
  const auto started = Clock::now();
  auto [flags, exit_code] = ParseCommand(
      "attest", args, SpecWith({"predicate-type", "predicate"}), usage);
  if (!flags) return exit_code;
  const CommandFailure fail("attest");
  Result<std::string> type_name = flags->Require("predicate-type");
  if (!type_name.ok()) return fail(type_name.message());
  Result<std::string> type = PredicateTypeUri(*type_name);
  if (!type.ok()) return fail(type.message());
  Result<std::string> predicate_path = flags->Require("predicate");
  if (!predicate_path.ok()) return fail(predicate_path.message());
  Result<std::string> predicate_text = ReadWholeFile(*predicate_path);
  if (!predicate_text.ok()) return fail(predicate_text.message());
  const nlohmann::ordered_json predicate =
      nlohmann::ordered_json::parse(*predicate_text, nullptr, false);
  if (predicate.is_discarded() || !predicate.is_object()) {
    return fail("--predicate " + *predicate_path + " is not a JSON object");
  }
  Result<Signer> signer = OpenSigner(*flags);
  if (!signer.ok()) return fail(signer.message());
  const Predicate predicates[] = {{*type, predicate}};
  Result<Attached> attached = PushAttestations(
      signer->registry->client(), signer->ref.Name(), signer->ref.digest,
      predicates, *signer->key, *signer->random);
  if (!attached.ok()) return fail(attached.message());
  return Finish("attest", *flags, *signer, *attached, started,
                {{"predicate_type", *type}});
}

}  // namespace staticship::signing
