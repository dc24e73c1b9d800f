// shipctl: the release tool. One binary, one row per subcommand below; a
// subcommand is any `int Run…(std::span<char* const> args)` that receives the
// arguments after its name.
#include <cstdio>
#include <cstring>
#include <span>

#include "release/deploy/deploy.h"
#include "release/deploy/manifest_command.h"
#include "release/image/index_command.h"
#include "release/image/inspect_command.h"
#include "release/image/pack_command.h"
#include "release/registry/pull_layout.h"
#include "release/registry/push.h"
#include "release/signing/commands.h"
#include "release/verify/gate.h"

namespace {

struct Subcommand {
  const char* name;
  int (*run)(std::span<char* const> args);
  const char* summary;
};

constexpr Subcommand kSubcommands[] = {
    {"pack", staticship::release::RunPack,
     "build a single-layer scratch image (OCI layout, docker-archive, SBOM)"},
    {"index", staticship::release::RunIndex,
     "combine single-platform layouts under one OCI image index"},
    {"inspect", staticship::release::RunInspect,
     "print a single-image layout's facts as JSON (size, files, ports)"},
    {"push", staticship::registry::RunPush,
     "push an OCI layout (and its SBOM) to a registry; prints REF@digest"},
    {"pull", staticship::registry::RunPull,
     "fetch an image or index by digest into an OCI layout (verified)"},
    {"keygen", staticship::signing::RunKeygen,
     "write an ECDSA P-256 key pair (P.key, P.pub) as cosign uses"},
    {"sign", staticship::signing::RunSign,
     "sign an image digest in its registry (cosign's .sig tag)"},
    {"attest", staticship::signing::RunAttest,
     "attach a signed in-toto attestation to an image (.att tag)"},
    {"provenance", staticship::signing::RunProvenance,
     "write the SLSA provenance v1 predicate of an image build"},
    {"verify", staticship::verify::RunVerify,
     "check an image's digests, signatures and attestations against a policy"},
    {"deploy", staticship::deploy::RunDeploy,
     "pull an image by digest, run it with runc, wait for /health"},
    {"undeploy", staticship::deploy::RunUndeploy,
     "stop and remove a deployed container and its bundle (never volumes)"},
    {"manifest", staticship::deploy::RunManifest,
     "write Kubernetes objects (Deployment, Service, ...) for an image"},
};

int Usage(std::FILE* out) {
  std::fputs("usage: shipctl <command> [flags]\n\ncommands:\n", out);
  for (const Subcommand& s : kSubcommands) {
    std::fprintf(out, "  %-10s %s\n", s.name, s.summary);
  }
  std::fputs("\n`shipctl <command> --help` describes its flags.\n", out);
  return out == stdout ? 0 : 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return Usage(stderr);
  if (std::strcmp(argv[1], "--help") == 0 ||
      std::strcmp(argv[1], "help") == 0) {
    return Usage(stdout);
  }
  for (const Subcommand& s : kSubcommands) {
    if (std::strcmp(argv[1], s.name) == 0) {
      return s.run(std::span<char* const>(argv + 2, argv + argc));
    }
  }
  std::fprintf(stderr, "shipctl: unknown command '%s'\n", argv[1]);
  return Usage(stderr);
}
