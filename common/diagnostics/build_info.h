// What this binary is, for /debug/vars: the service's name and version as
// main() knows them, and the facts the binary can tell about itself.
//
// The commit is read at run time from STATICSHIP_REVISION, which the image
// carries in its Env, written at pack time from the same workspace status
// as the org.opencontainers.image.revision label (release/private/
// image.bzl). Compiling it in would make every commit relink every binary
// and defeat the Bazel cache; stamping the image costs one re-pack.
#ifndef STATICSHIP_COMMON_DIAGNOSTICS_BUILD_INFO_H_
#define STATICSHIP_COMMON_DIAGNOSTICS_BUILD_INFO_H_

#include <string>

namespace staticship::diagnostics {

inline constexpr char kRevisionEnv[] = "STATICSHIP_REVISION";

struct BuildInfo {
  std::string service;
  std::string version;
  std::string commit;        // $STATICSHIP_REVISION, or "unknown"
  std::string compiler;      // the compiler's version string
  std::string cxx_library;   // "libc++ 16000", "libstdc++ 20230528"
  std::string libc;          // "musl", "glibc 2.36"
  std::string linkage;       // "static", "static-pie" or "dynamic"
  std::string architecture;  // "x86_64", "aarch64"
  std::string build_id;      // the program's GNU build id
  bool optimized = false;    // built with -O1 or more
};

BuildInfo DescribeBuild(std::string service, std::string version);

}  // namespace staticship::diagnostics

#endif  // STATICSHIP_COMMON_DIAGNOSTICS_BUILD_INFO_H_
