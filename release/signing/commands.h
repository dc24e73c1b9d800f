// The shipctl subcommands of this package; each takes the arguments after
// its name and returns the exit code (0 done, 1 failed with one line on
// stderr, 2 bad command line).
#ifndef STATICSHIP_RELEASE_SIGNING_COMMANDS_H_
#define STATICSHIP_RELEASE_SIGNING_COMMANDS_H_

#include <span>

namespace staticship::signing {

// `shipctl keygen --out-prefix P [--password-file F]`
int RunKeygen(std::span<char* const> args);
// `shipctl sign --key P.key --ref R@sha256:… [registry flags]`
int RunSign(std::span<char* const> args);
// `shipctl attest --key P.key --ref R@sha256:… --predicate-type T
//  --predicate FILE [registry flags]`
int RunAttest(std::span<char* const> args);
// `shipctl provenance --target LABEL … --deps-json F --out FILE`
int RunProvenance(std::span<char* const> args);

}  // namespace staticship::signing

#endif  // STATICSHIP_RELEASE_SIGNING_COMMANDS_H_
