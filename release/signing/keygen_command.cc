#include <cstdio>
#include <cstdlib>

#include "common/base/flags.h"
#include "release/signing/commands.h"
#include "release/signing/key_file.h"
#include "release/signing/password.h"
#include "release/signing/random.h"

namespace staticship::signing {

int RunKeygen(std::span<char* const> args) {
  constexpr char kUsage[] =
      "usage: shipctl keygen --out-prefix P [--password-file FILE]\n"
      "Writes P.key (PKCS#8 PEM, mode 0600; encrypted when a password comes\n"
      "from --password-file or COSIGN_PASSWORD) and P.pub (PEM public key).\n"
      "An existing P.key or P.pub is never overwritten.\n";
  auto [flags, exit_code] = ParseCommand(
      "keygen", args, {.values = {"out-prefix", "password-file"}}, kUsage);
  if (!flags) return exit_code;
  const CommandFailure fail("keygen");
  Result<std::string> prefix = flags->Require("out-prefix");
  if (!prefix.ok()) return fail(prefix.message());
  std::optional<std::filesystem::path> password_file;
  if (auto file = flags->Get("password-file")) password_file = *file;
  Result<std::optional<std::string>> password = LoadPassword(
      password_file, [](const char* name) { return std::getenv(name); });
  if (!password.ok()) return fail(password.message());
  Result<std::unique_ptr<RandomSource>> random = RandomSource::Create();
  if (!random.ok()) return fail(random.message());
  std::string key_id;
  Result<KeyPairPaths> paths =
      WriteNewKeyPair(*prefix, *password, **random, &key_id);
  if (!paths.ok()) return fail(paths.message());
  std::printf("keygen: %s (%s, 0600) and %s, key %s\n",
              paths->private_key.c_str(),
              password->has_value() ? "encrypted" : "not encrypted",
              paths->public_key.c_str(), key_id.c_str());
  return 0;
}

}  // namespace staticship::signing
