// `shipctl manifest`'s output: the Kubernetes objects that run an image the
// way `shipctl deploy` runs it with runc, as one multi-document YAML:
//
//   ConfigMap <name>-config      the read-only mounted files, each mounted
//                                at its own path (subPath)
//   PersistentVolumeClaim        one per volume, <name>-<volume>, 1Gi,
//                                ReadWriteOnce (edit the size to taste)
//   Deployment <name>            one replica of the image pinned by digest;
//                                Recreate when it has volumes (a ReadWriteOnce
//                                claim cannot be shared by the old and new pod)
//   Service <name>               ClusterIP on the port, named "http"
//
// The pod matches the runc spec: uid/gid 65532, runAsNonRoot, no
// capabilities, no privilege escalation, read-only root with a tmpfs
// (emptyDir, Memory) at /tmp, seccomp RuntimeDefault, no service account
// token; liveness and readiness probes on the health path; --memory and
// --cpus as both requests and limits (the Guaranteed QoS class).
//
// Not everything that runc can mount has a portable Kubernetes form: a
// writable --mount (a host path) and a mounted directory are refused with
// one line saying what to use instead.
#ifndef STATICSHIP_RELEASE_DEPLOY_K8S_MANIFEST_H_
#define STATICSHIP_RELEASE_DEPLOY_K8S_MANIFEST_H_

#include <map>
#include <string>

#include "common/base/result.h"
#include "release/deploy/container_settings.h"
#include "release/deploy/runtime_spec.h"

namespace staticship::deploy {

struct ManifestInput {
  std::string name;   // a DNS-1035 label: a-z first, then a-z 0-9 -
  std::string image;  // REGISTRY/REPO@sha256:...
  int port = 0;
  std::string health_path = "/health";
  ImageConfig image_config;  // for the Cmd that --arg appends to
  ContainerSettings settings;
  // Contents of each read-only mount's source, by source path.
  std::map<std::string, std::string> files;
};

// Reads the read-only mount sources into input.files.
Status ReadMountedFiles(ManifestInput& input);

Result<std::string> MakeK8sManifest(const ManifestInput& input);

}  // namespace staticship::deploy

#endif  // STATICSHIP_RELEASE_DEPLOY_K8S_MANIFEST_H_
