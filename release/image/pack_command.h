// `shipctl pack`: the command-line front of Pack() and the SBOM writer.
#ifndef STATICSHIP_RELEASE_IMAGE_PACK_COMMAND_H_
#define STATICSHIP_RELEASE_IMAGE_PACK_COMMAND_H_

#include <span>

namespace staticship::release {

// args: the arguments after "pack" (may contain @params files). Returns the
// process exit code; prints one "shipctl pack: …" line on error.
int RunPack(std::span<char* const> args);

}  // namespace staticship::release

#endif  // STATICSHIP_RELEASE_IMAGE_PACK_COMMAND_H_
