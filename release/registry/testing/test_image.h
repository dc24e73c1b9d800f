// The registry tests' fixtures: a one-layer image written into an OCI
// layout, and a client for the fake registry (plain http, no sleeping
// between retries).
#ifndef STATICSHIP_RELEASE_REGISTRY_TESTING_TEST_IMAGE_H_
#define STATICSHIP_RELEASE_REGISTRY_TESTING_TEST_IMAGE_H_

#include <string>

#include "release/common/oci_layout.h"
#include "release/registry/http_transport.h"
#include "release/registry/registry_client.h"

namespace staticship::registry::testing {

// Writes a one-layer linux/`arch` image (its config labelled with
// `linked_inputs` when given) and returns its manifest descriptor, with the
// platform set as an index lists it.
release::Descriptor WriteTestImage(release::OciLayout& layout,
                                   const std::string& arch,
                                   const std::string& layer_bytes,
                                   const std::string& linked_inputs = "");

// A client for `repository` on a fake registry at `authority`.
RegistryClient FakeRegistryClient(HttpTransport& transport,
                                  const std::string& authority,
                                  const std::string& repository);

}  // namespace staticship::registry::testing

#endif  // STATICSHIP_RELEASE_REGISTRY_TESTING_TEST_IMAGE_H_
