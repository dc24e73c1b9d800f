// Finds what a dynamically linked ELF binary needs at run time, so that the
// dynamic image can carry its loader and shared libraries (resolved at build
// time from the build host, like `ldd` but without running anything, which
// also works for binaries of another architecture).
#ifndef STATICSHIP_RELEASE_IMAGE_ELF_DEPS_H_
#define STATICSHIP_RELEASE_IMAGE_ELF_DEPS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "common/base/result.h"

namespace staticship::release {

// "x86_64-linux-gnu" / "aarch64-linux-gnu"; empty for other machines.
std::string MultiarchTriple(std::uint16_t machine);

struct RuntimeFile {
  std::string soname;      // DT_NEEDED name, or the loader's file name
  std::string image_path;  // where it goes in the image
  std::string host_path;   // the regular file to copy (symlinks resolved)
};

// The loader and the transitive DT_NEEDED closure of `binary`, looked up in
// <sysroot>/{lib,usr/lib}/<triple>, lib64, usr/lib64, lib, usr/lib (the
// standard multiarch search order). Libraries keep the directory they were
// found in, so the image's ld.so finds them on its default path. Empty for a
// static binary. Fails naming the first library that cannot be found.
Result<std::vector<RuntimeFile>> ResolveRuntimeFiles(
    const std::string& binary, const std::string& sysroot = "/");

}  // namespace staticship::release

#endif  // STATICSHIP_RELEASE_IMAGE_ELF_DEPS_H_
