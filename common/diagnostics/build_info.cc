#include "common/diagnostics/build_info.h"

#include <cstdlib>
#include <string>
#include <version>

#if defined(__GLIBC__)
#include <gnu/libc-version.h>
#endif

#include "common/diagnostics/memory_map.h"

namespace staticship::diagnostics {

BuildInfo DescribeBuild(std::string service, std::string version) {
  BuildInfo b;
  b.service = std::move(service);
  b.version = std::move(version);
  const char* revision = std::getenv(kRevisionEnv);
  b.commit = revision != nullptr && revision[0] != '\0' ? revision : "unknown";
#if defined(__clang__)
  b.compiler = std::string("clang ") + __clang_version__;
#elif defined(__GNUC__)
  b.compiler = std::string("gcc ") + __VERSION__;
#endif
#if defined(_LIBCPP_VERSION)
  b.cxx_library = "libc++ " + std::to_string(_LIBCPP_VERSION);
#elif defined(__GLIBCXX__)
  b.cxx_library = "libstdc++ " + std::to_string(__GLIBCXX__);
#endif
#if defined(__GLIBC__)
  b.libc = std::string("glibc ") + gnu_get_libc_version();
#else
  // The only other C library we build against; it has no version call.
  b.libc = "musl";
#endif
#if defined(__x86_64__)
  b.architecture = "x86_64";
#elif defined(__aarch64__)
  b.architecture = "aarch64";
#endif
#if defined(__OPTIMIZE__)
  b.optimized = true;
#endif
  std::vector<LoadedObject> objects = ListLoadedObjects();
  if (!objects.empty()) {
    const LoadedObject& main = objects[0];
    b.build_id = main.build_id;
    b.linkage = main.has_interpreter  ? "dynamic"
                : main.load_bias != 0 ? "static-pie"
                                      : "static";
  }
  return b;
}

}  // namespace staticship::diagnostics
