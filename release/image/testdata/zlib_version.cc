// Links zlib so the image rules' SBOM test can see an external repository
// reach the SBOM through the aspect. Prints the zlib version it was built with.
#include <zlib.h>

#include <cstdio>

int main() {
  std::printf("zlib %s\n", zlibVersion());
  return 0;
}
